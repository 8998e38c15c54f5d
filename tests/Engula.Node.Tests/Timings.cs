using System.Globalization;

namespace Engula.Node.Tests;

/// <summary>
/// Durations the node tier observes on its way (apply → Ready, failover), appended as <c>metric seconds</c> lines to
/// the file <c>ENGULA_NODE_TIMINGS</c> names, for bench/kube/run.sh. Nothing is asserted on them here: speed belongs
/// to the benchmark, the tests check behaviour.
/// </summary>
internal static class Timings
{
    private static readonly Lock Gate = new();

    public static void Record(string metric, TimeSpan elapsed)
    {
        TestContext.Current.SendDiagnosticMessage($"{metric}: {elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        string? file = Environment.GetEnvironmentVariable("ENGULA_NODE_TIMINGS");
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        lock (Gate)
        {
            File.AppendAllText(file, $"{metric} {elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}\n");
        }
    }
}
