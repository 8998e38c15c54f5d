using System.Diagnostics;
using System.Text;
using Engula.DiscoveryShim;
using Grpc.Core;
using Grpc.Health.V1;

namespace Engula.Server.Tests.Infrastructure;

/// <summary>
/// The real <c>engula</c> executable as a child process (<c>dotnet engula.dll …</c>), for crash tests: it can be
/// killed with SIGKILL and restarted with the same arguments.
/// </summary>
public sealed class EngulaProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _outputWaiters = [];
    private Process? _process;

    public EngulaProcess(string name, string address, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        Name = name;
        Address = address;
        _arguments = arguments;
        _environment = environment ?? new Dictionary<string, string>();
    }

    public string Name { get; }

    /// <summary>The address the component listens on (<c>127.0.0.1:port</c>).</summary>
    public string Address { get; }

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{Name} was not started");

    /// <summary>Waits for the process to exit on its own (after SIGTERM, say).</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        await _process!.WaitForExitAsync(cts.Token);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Sends a signal by name (<c>STOP</c>, <c>CONT</c>) with <c>kill</c>, e.g. to hang a live process without killing it.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {Name} exited with {kill.ExitCode}");
        }
    }

    public static string EngulaDll => Path.Combine(AppContext.BaseDirectory, "engula.dll");

    public void Start()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(EngulaDll);
        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The children must not inherit the test host's telemetry or discovery settings.
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Engula"] = "Information";
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush — what a power cut looks like to the process.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>How many times the process (over all its starts) has printed <paramref name="text"/>.</summary>
    public int CountOutput(string text)
    {
        var output = Output;
        int count = 0;
        for (int i = output.IndexOf(text, StringComparison.Ordinal); i >= 0; i = output.IndexOf(text, i + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Waits until the process has printed a line containing <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _outputWaiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not print '{text}' within {timeout}:\n{Output}");
        }
    }

    /// <summary>Waits until the gRPC health service reports SERVING.</summary>
    public async Task WaitForServingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var channel = new EngulaChannelFactory().CreateChannel(Address);
        var client = new Health.HealthClient(channel);
        await WaitUntilAsync(async ct =>
        {
            try
            {
                var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: ct);
                return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            }
            catch (RpcException)
            {
                return false;
            }
        }, timeout, cancellationToken);
    }

    /// <summary>Waits until the engine's <c>/health</c> answers 200 (its port opens only after recovery).</summary>
    public async Task WaitForHttpHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Address}"), Timeout = TimeSpan.FromSeconds(2) };
        await WaitUntilAsync(async ct =>
        {
            try
            {
                return (await http.GetAsync("/health", ct)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return false;
            }
        }, timeout, cancellationToken);
    }

    private async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (!await condition(cts.Token))
            {
                if (ExitCode is { } code)
                {
                    throw new InvalidOperationException($"{Name} exited with {code}:\n{Output}");
                }

                await poll.WaitForNextTickAsync(cts.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} not ready within {timeout}:\n{Output}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            _outputWaiters.RemoveAll(waiter => line.Contains(waiter.Text, StringComparison.Ordinal) && waiter.Seen.TrySetResult());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
