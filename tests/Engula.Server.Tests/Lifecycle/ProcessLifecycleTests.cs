using System.Diagnostics;
using System.Net.Sockets;
using Engula.Protocol.Journal;
using Engula.Server.Cli;
using Engula.Server.Journal;
using Engula.Server.Kernel;
using Engula.Server.Storage;
using Engula.Server.Tests.Infrastructure;
using Grpc.Health.V1;

namespace Engula.Server.Tests.Lifecycle;

/// <summary>Start order, health, SIGTERM and bad bytes, with real servers and the real executable.</summary>
public sealed class ProcessLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_kernel_started_before_its_peers_is_not_serving_until_they_answer_then_serving()
    {
        var journalPort = FreePort.Next();
        var storagePort = FreePort.Next();
        await using var kernel = await RunningServer.StartAsync(KernelServer.Build(Loopback.AnyPort(), new KernelOptions
        {
            JournalFlag = $"127.0.0.1:{journalPort}",
            StorageFlag = $"localhost:{storagePort}",
        }), Ct);
        var health = new Health.HealthClient(kernel.Channel);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status);

        await using var journal = await RunningServer.StartAsync(JournalServer.Build(new Runtime.ServerOptions { Listen = new("127.0.0.1", journalPort) }, new JournalOptions()), Ct);
        await using var storage = await RunningServer.StartAsync(StorageServer.Build(new Runtime.ServerOptions { Listen = new("127.0.0.1", storagePort) }, new StorageOptions()), Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while ((await health.CheckAsync(new HealthCheckRequest(), cancellationToken: timeout.Token)).Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            await poll.WaitForNextTickAsync(timeout.Token);
        }

        // The kernel created stream DEFAULT on the journal while it waited.
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await new Protocol.Journal.Journal.JournalClient(journal.Channel).CreateStreamAsync(new CreateStreamRequest { Stream = "DEFAULT" }, cancellationToken: Ct));
        Assert.Equal(Grpc.Core.StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task Health_command_exits_0_on_serving_and_1_otherwise()
    {
        await using var journal = await RunningServer.StartAsync(JournalServer.Build(Loopback.AnyPort(), new JournalOptions()), Ct);

        Assert.Equal(0, await EngulaCommandLine.InvokeAsync(["health", journal.Address], new StringWriter(), new StringWriter()));
        Assert.Equal(1, await EngulaCommandLine.InvokeAsync(["health", $"127.0.0.1:{FreePort.Next()}", "--timeout", "2"], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public async Task SIGTERM_stops_the_process_cleanly_with_exit_code_0()
    {
        using var data = new TempDirectory();
        var address = $"127.0.0.1:{FreePort.Next()}";
        await using var journal = new EngulaProcess("journal", address, null, "journal", "run", address, "--file", data.Path);
        journal.Start();
        await journal.WaitForServingAsync(TimeSpan.FromSeconds(60), Ct);

        using (var kill = Process.Start("kill", ["-TERM", journal.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        await journal.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(0, journal.ExitCode);
    }

    [Fact]
    public async Task SIGTERM_while_the_engine_waits_for_its_kernel_exits_0_instead_of_aborting()
    {
        var address = $"127.0.0.1:{FreePort.Next()}";
        var kernel = $"127.0.0.1:{FreePort.Next()}"; // nothing listens there: the engine waits for it
        await using var engine = new EngulaProcess("engine", address, null, "engine", "run", address, "--kernel", kernel);
        engine.Start();
        await engine.WaitForOutputAsync("Waiting for kernel", TimeSpan.FromSeconds(60), Ct);

        using (var kill = Process.Start("kill", ["-TERM", engine.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        await engine.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(engine.ExitCode == 0, $"exit code {engine.ExitCode}:\n{engine.Output}");
        Assert.DoesNotContain("Unhandled exception", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_bytes_on_the_gRPC_port_do_not_take_the_server_down()
    {
        await using var journal = await RunningServer.StartAsync(JournalServer.Build(Loopback.AnyPort(), new JournalOptions()), Ct);
        var port = int.Parse(journal.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var random = new Random(7);
        for (var i = 0; i < 20; i++)
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync("127.0.0.1", port, Ct);
            // At least the 24-byte HTTP/2 preface length, so the server can tell at once that it is not a preface.
            var garbage = new byte[random.Next(24, 4096)];
            random.NextBytes(garbage);
            var stream = socket.GetStream();
            try
            {
                await stream.WriteAsync(garbage, Ct);
                await stream.FlushAsync(Ct);
                _ = await stream.ReadAsync(new byte[1024], Ct); // the server answers with GOAWAY or closes
            }
            catch (IOException)
            {
                // A reset is a fine answer to garbage.
            }
        }

        // A malformed protobuf message in a well-formed gRPC frame gets a status, not a crash.
        var (_, status) = await Wire.RawGrpc.CallAsync(journal.Address, "/engula.journal.v1.Journal/CreateStream", [0x0A, 0xFF, 0xFF]);
        Assert.NotEqual(0, status);

        var health = await new Health.HealthClient(journal.Channel).CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}
