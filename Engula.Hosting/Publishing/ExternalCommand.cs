using System.Diagnostics;
using System.Text;

namespace Engula.Hosting.Publishing;

/// <summary>Runs a command to its end, its output lines logged as they come; a non-zero exit throws with the last lines.</summary>
internal static class ExternalCommand
{
    private const int TailLines = 15;

    /// <returns>The standard output.</returns>
    /// <exception cref="EngulaPublishException">The command could not start or exited non-zero; the message quotes its last lines.</exception>
    public static async Task<string> RunAsync(string executable, IEnumerable<string> arguments, Action<string> log, CancellationToken ct)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        string commandLine = $"{Path.GetFileName(executable)} {string.Join(' ', start.ArgumentList)}";
        var output = new StringBuilder();
        var tail = new Queue<string>();
        void Line(string? line, bool standardOutput)
        {
            if (line is null)
            {
                return;
            }

            lock (tail)
            {
                if (standardOutput)
                {
                    output.AppendLine(line);
                }

                tail.Enqueue(line);
                if (tail.Count > TailLines)
                {
                    tail.Dequeue();
                }
            }

            log(line);
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => Line(e.Data, standardOutput: false);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EngulaPublishException($"cannot run {commandLine}: {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // the last output lines
        if (process.ExitCode != 0)
        {
            string last;
            lock (tail)
            {
                last = string.Join(" | ", tail);
            }

            throw new EngulaPublishException($"{commandLine} exited with {process.ExitCode}: {last}");
        }

        lock (tail)
        {
            return output.ToString();
        }
    }
}
