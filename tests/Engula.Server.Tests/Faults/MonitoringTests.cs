using System.Net;
using System.Text.RegularExpressions;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// Every metric that the alerts and the dashboard under <c>deploy/monitoring</c> name is one the real components
/// export at <c>/metrics</c> — a renamed instrument would otherwise leave an alert that can never fire.
/// </summary>
public sealed partial class MonitoringTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_metric_the_rules_and_the_dashboard_name_is_exported_by_the_components()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory(); // a file journal: only it fsyncs, and the fsync histogram is alerted on
        string journalAddress = $"127.0.0.1:{FreePort.Next()}", journalAdmin = $"127.0.0.1:{FreePort.Next()}";
        string storageAddress = $"127.0.0.1:{FreePort.Next()}", kernelAddress = $"127.0.0.1:{FreePort.Next()}";
        string engineAddress = $"127.0.0.1:{FreePort.Next()}";
        await using var journal = new EngulaProcess("journal", journalAddress, null, "journal", "run", journalAddress, "--file", Path.Combine(data.Path, "journal"), "--admin", journalAdmin);
        await using var storage = new EngulaProcess("storage", storageAddress, null, "storage", "run", storageAddress, "--mem");
        await using var kernel = new EngulaProcess("kernel", kernelAddress, null, "kernel", "run", kernelAddress, "--mem", "--journal", journalAddress, "--storage", storageAddress);
        await using var engine = new EngulaProcess("engine", engineAddress, null, "engine", "run", engineAddress, "--kernel", kernelAddress, "--write-timeout", "1");
        foreach (var process in new[] { journal, storage, kernel, engine })
        {
            process.Start();
        }

        await engine.WaitForHttpHealthyAsync(Timeout, ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{engineAddress}"), Timeout = Timeout };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/put?key=a&value=1", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/get?key=a", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/admin/flush", null, ct)).StatusCode);

        // One failed write, so that the failure counter exists (counters appear with their first value).
        await journal.SignalAsync("STOP");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/put?key=b&value=2", ct)).StatusCode);
        await journal.SignalAsync("CONT");

        string exported = await http.GetStringAsync("/metrics", ct)
            + await new HttpClient().GetStringAsync($"http://{journalAdmin}/metrics", ct);
        var names = exported.Split('\n').Where(l => l.StartsWith("engula_", StringComparison.Ordinal))
            .Select(l => l.Split('{', ' ')[0]).ToHashSet(StringComparer.Ordinal);

        string monitoring = Path.Combine(RepositoryRoot(), "deploy", "monitoring");
        var referenced = new[] { "prometheus-rules.yaml", "grafana-dashboard.json" }
            .SelectMany(file => MetricName().Matches(File.ReadAllText(Path.Combine(monitoring, file))).Select(m => (File: file, Name: m.Value)))
            .Distinct()
            .ToList();
        Assert.NotEmpty(referenced);
        var missing = referenced.Where(r => !names.Contains(r.Name)).Select(r => $"{r.File}: {r.Name}").ToList();
        Assert.True(missing.Count == 0, $"named but not exported: {string.Join(", ", missing)}\nexported: {string.Join(", ", names.Order(StringComparer.Ordinal))}");

        // The dashboard is valid JSON with its panels.
        using var dashboard = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(monitoring, "grafana-dashboard.json")));
        Assert.True(dashboard.RootElement.GetProperty("panels").GetArrayLength() >= 8);
    }

    [GeneratedRegex("engula_[a-z_]+")]
    private static partial Regex MetricName();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engula.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Engula.sln not found");
    }
}
