using System.Diagnostics;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Faults;

/// <summary>
/// Every place a peer address or a discovery setting can come from — flags, <c>ENGULA_*</c>, Aspire's
/// <c>services__…</c>, the original operator's <c>kubecluster</c> + <c>*port</c>, <c>Engula__Discovery__*</c> — with a
/// malformed value ends the real executable with exit 2 and one line on stderr naming where the value came from.
/// (They used to abort the runtime with an unhandled exception, exit 134.)
/// </summary>
public sealed class BadPeerInputTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string, string> Forms => new()
    {
        // Flags.
        { "kernel run 127.0.0.1:0 --mem --journal dns:///:::bad --storage 127.0.0.1:1", "", "--journal" },
        { "kernel run 127.0.0.1:0 --mem --journal 127.0.0.1:0 --storage 127.0.0.1:1", "", "port 0" },
        { "kernel run 127.0.0.1:0 --mem --journal journal-host:abc --storage 127.0.0.1:1", "", "--journal" },
        { "kernel run 127.0.0.1:0 --mem --journal 127.0.0.1:1 --storage http://storage", "", "--storage" },
        { "kernel run 127.0.0.1:0 --mem --journal 127.0.0.1:1 --storage srv:///", "", "--storage" },
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:99999", "", "--kernel" },
        { "engine run 127.0.0.1:0 --kernel kernel", "", "--kernel" },
        { "shim run --listen 127.0.0.1:0 --target dns:///:::bad", "", "invalid address" },
        { "shim run --listen 127.0.0.1:0 --target 127.0.0.1:0", "", "--target" },
        { "shim run --listen 127.0.0.1:0 --target journal", "", "--target" },

        // ENGULA_* variables.
        { "kernel run 127.0.0.1:0 --mem --storage 127.0.0.1:1", "ENGULA_JOURNAL=dns:///:::bad", "ENGULA_JOURNAL" },
        { "engine run 127.0.0.1:0", "ENGULA_KERNEL=kernel:port", "ENGULA_KERNEL" },
        { "engine run 127.0.0.1:0 --kernel kernel", "ENGULA_KERNEL=http://:1", "ENGULA_KERNEL" },

        // Aspire's service discovery.
        { "kernel run 127.0.0.1:0 --mem --storage 127.0.0.1:1", "services__journal__grpc__0=http://:x", "services__journal__grpc" },
        { "engine run 127.0.0.1:0", "services__kernel__grpc__0=https://localhost:1", "services__kernel__grpc" },

        // The original operator's variables.
        { "kernel run 127.0.0.1:0 --kube /tmp/engula-bad-input/manifest", "kubecluster=c;journalport=abc;storageport=1", "journalport" },
        { "kernel run 127.0.0.1:0 --kube /tmp/engula-bad-input/manifest", "kubecluster=c;journalport=1;storageport=70000", "storageport" },
        { "demo-engine run 127.0.0.1:0", "kubecluster=c;kernelport=abc", "kernelport" },
        { "demo-engine run 127.0.0.1:0", "kubecluster=c;kernelport=0", "kernelport" },

        // Discovery settings.
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1", "Engula__Discovery__ConnectTimeout=abc", "Engula:Discovery:ConnectTimeout" },
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1", "Engula__Discovery__MaxRetryAttempts=0", "Engula:Discovery:MaxRetryAttempts" },
        { "kernel run 127.0.0.1:0 --mem --journal 127.0.0.1:1 --storage 127.0.0.1:2", "Engula__Discovery__NameServer=not-an-ip", "Engula:Discovery:NameServer" },
        { "shim run --listen 127.0.0.1:0 --target 127.0.0.1:1", "Engula__Discovery__RetryBackoffMultiplier=-1", "Engula:Discovery:RetryBackoffMultiplier" },

        // The engine's write path.
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1 --write-timeout 0", "", "--write-timeout" },
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1 --write-timeout soon", "", "--write-timeout" },
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1 --max-waiting-writes 0", "", "--max-waiting-writes" },
        { "engine run 127.0.0.1:0 --kernel 127.0.0.1:1 --max-waiting-bytes -5", "", "--max-waiting-bytes" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task A_malformed_setting_exits_2_with_one_line_naming_it(string arguments, string environment, string named)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(EngulaProcess.EngulaDll);
        foreach (var argument in arguments.Split(' '))
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing from the test runner's own environment may name a peer.
        foreach (var key in info.Environment.Keys.Where(IsPeerSetting).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var pair in environment.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`engula {arguments}` with '{environment}' did not exit within {ExitTimeout} (it started instead of refusing)");
        }

        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}; stderr:\n{string.Join('\n', lines.Take(5))}\nstdout:\n{await stdout}");
        Assert.Single(lines);
        Assert.StartsWith("engula: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
    }

    private static bool IsPeerSetting(string key) =>
        key.StartsWith("ENGULA_", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("services__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Engula__", StringComparison.OrdinalIgnoreCase)
        || key.Equals("kubecluster", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith("port", StringComparison.OrdinalIgnoreCase);
}
