// DiscoveryShim measurements against real `engula journal run … --mem` child processes on 127.0.0.2 (SIGKILLed and
// restarted on the same address). Usage (see README.md):
//   dotnet run -c Release --project bench/shim -- [recovery|outage|overhead|all] [--trials N] [--calls N] [--max-backoff-ms N]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Engula.DiscoveryShim;
using Engula.DiscoveryShim.Bench;
using Engula.Protocol.Journal;
using Engula.Tests.Shared.Processes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var trials = IntOption("--trials", 20);
var calls = IntOption("--calls", 10_000);
var engula = Path.Combine(AppContext.BaseDirectory, "engula.dll");
var address = IPAddress.Parse("127.0.0.2");
var port = FreePort(address);
var options = new EngulaChannelOptions();
if (IntOption("--max-backoff-ms", 0) is > 0 and var maxBackoff)
{
    options.MaxReconnectBackoff = TimeSpan.FromMilliseconds(maxBackoff);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"journal {address}:{port}; InitialReconnectBackoff={options.InitialReconnectBackoff.TotalMilliseconds} ms, MaxReconnectBackoff={options.MaxReconnectBackoff.TotalMilliseconds} ms, {Environment.ProcessorCount} cores"));

if (mode is "recovery" or "all")
{
    await RecoveryAsync();
}

if (mode is "outage" or "all")
{
    await OutageAsync();
}

if (mode is "overhead" or "all")
{
    await OverheadAsync();
}

return 0;

// (a) After a SIGKILL and a restart on the same address: time from "port accepts again" to the first successful call
// of a client that was waiting (WaitForReady, 30 s deadline) on the same channel all along.
async Task RecoveryAsync()
{
    var random = new Random(1);
    var journal = EngulaChildProcess.Start(engula, ["journal", "run", $"{address}:{port}", "--mem"]);
    using var channel = new EngulaChannelFactory(options).CreateChannel($"{address}:{port}");
    var health = new Health.HealthClient(channel);
    await health.CheckAsync(new HealthCheckRequest(), EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(30)));
    var recoveries = new List<double>();
    var baselines = new List<double>();
    for (var trial = 0; trial < trials; trial++)
    {
        journal.Kill();
        journal.Dispose();
        var waiting = health.CheckAsync(new HealthCheckRequest(), EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(30))).ResponseAsync;

        // Outages of 0.5–3 s sample every phase of the reconnect back-off.
        await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(2500)));
        journal = EngulaChildProcess.Start(engula, ["journal", "run", $"{address}:{port}", "--mem"]);
        var accepting = await EngulaChildProcess.WaitAcceptingAsync(address, port, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), CancellationToken.None);

        // Baseline: a brand-new plain channel dialled the moment the port accepts has no back-off to wait out;
        // its first call shows what the restarted server itself needs (HTTP/2 set-up, first-request JIT).
        var fresh = Task.Run(async () =>
        {
            using var plain = GrpcChannel.ForAddress($"http://{address}:{port}");
            await new Health.HealthClient(plain).CheckAsync(new HealthCheckRequest(), EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(30)));
            return Stopwatch.GetElapsedTime(accepting).TotalMilliseconds;
        });
        await waiting;
        var ms = Stopwatch.GetElapsedTime(accepting).TotalMilliseconds;
        var baseline = await fresh;
        recoveries.Add(ms);
        baselines.Add(baseline);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"recovery trial {trial + 1}: {ms:0.0} ms (fresh plain client: {baseline:0.0} ms)"));
    }

    journal.Dispose();
    Console.WriteLine("RECOVERY (port accepting -> first successful call, waiting shim client): " + Stats.Summary(recoveries, " ms"));
    Console.WriteLine("BASELINE (port accepting -> first successful call, fresh plain client):  " + Stats.Summary(baselines, " ms"));
    Console.WriteLine("SHIM EXTRA (waiting shim client - fresh plain client, per trial):        " + Stats.Summary(recoveries.Zip(baselines, (r, b) => r - b).ToArray(), " ms"));
}

// (b) A steady client: one idempotent call (CreateStream; ALREADY_EXISTS counts as success, as for the kernel) every
// 20 ms with a 5 s deadline and WaitForReady, while the journal is SIGKILLed at 1 s and accepts again about 2 s later.
async Task OutageAsync()
{
    for (var run = 1; run <= 3; run++)
    {
        var launched = Stopwatch.GetTimestamp();
        var journal = EngulaChildProcess.Start(engula, ["journal", "run", $"{address}:{port}", "--mem"]);
        var startup = Stopwatch.GetElapsedTime(launched, await EngulaChildProcess.WaitAcceptingAsync(address, port, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), CancellationToken.None));
        using var channel = new EngulaChannelFactory(options).CreateChannel($"{address}:{port}");
        var client = new Journal.JournalClient(channel);
        await CreateAsync(client);

        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        var latencies = new List<double>();
        var killer = Task.Run(async () =>
        {
            await Task.Delay(1000);
            journal.Kill();
            var killed = Stopwatch.GetTimestamp();
            // The restart is launched early by the measured start-up time, so the port is down for about 2 s.
            var early = TimeSpan.FromSeconds(2) - startup;
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early);
            }

            journal = EngulaChildProcess.Start(engula, ["journal", "run", $"{address}:{port}", "--mem"]);
            var accepting = await EngulaChildProcess.WaitAcceptingAsync(address, port, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), CancellationToken.None);
            return Stopwatch.GetElapsedTime(killed, accepting).TotalMilliseconds;
        });

        var total = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(7))
        {
            var start = Stopwatch.GetTimestamp();
            total++;
            try
            {
                await CreateAsync(client);
            }
            catch (RpcException e)
            {
                failures.Add($"{e.StatusCode}: {e.Status.Detail}");
            }

            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var next = TimeSpan.FromMilliseconds(20) - Stopwatch.GetElapsedTime(start);
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        var outage = await killer;
        journal.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"OUTAGE run {run}: journal down {outage:0} ms (SIGKILL -> accepting); {total} calls, {failures.Count} failed; max latency {latencies.Max():0} ms"));
        foreach (var failure in failures.Distinct())
        {
            Console.WriteLine("  failure: " + failure);
        }
    }

    static async Task CreateAsync(Journal.JournalClient client)
    {
        try
        {
            await client.CreateStreamAsync(new CreateStreamRequest { Stream = "bench" }, EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(5)));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            // Converged: the stream is there.
        }
    }
}

// (c) Per-call latency of a shim channel vs a plain GrpcChannel to the same journal, sequential unary calls,
// alternating blocks of 1000 so drift affects both alike.
async Task OverheadAsync()
{
    using var journal = EngulaChildProcess.Start(engula, ["journal", "run", $"{address}:{port}", "--mem"]);
    await EngulaChildProcess.WaitAcceptingAsync(address, port, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), CancellationToken.None);
    using var plain = GrpcChannel.ForAddress($"http://{address}:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
    using var shim = new EngulaChannelFactory(options).CreateChannel($"{address}:{port}");

    // A plain channel carrying the same retry policy: separates grpc-dotnet's own retry machinery (RetryCall,
    // used for every method a retry policy names) from what the shim adds.
    var retryConfig = new Grpc.Net.Client.Configuration.ServiceConfig();
    retryConfig.MethodConfigs.Add(new Grpc.Net.Client.Configuration.MethodConfig
    {
        Names = { new Grpc.Net.Client.Configuration.MethodName { Service = "grpc.health.v1.Health", Method = "Check" } },
        RetryPolicy = new Grpc.Net.Client.Configuration.RetryPolicy
        {
            MaxAttempts = 5,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(1),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { StatusCode.Unavailable },
        },
    });
    using var plainRetry = GrpcChannel.ForAddress($"http://{address}:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null, ServiceConfig = retryConfig });
    using var plainResolver = GrpcChannel.ForAddress($"{StaticResolverServiceProvider.Scheme}:///journal", new GrpcChannelOptions
    {
        MaxReceiveMessageSize = null,
        Credentials = ChannelCredentials.Insecure,
        ServiceProvider = new StaticResolverServiceProvider(address.ToString(), port),
    });
    var setup = new Journal.JournalClient(shim);
    await setup.CreateStreamAsync(new CreateStreamRequest { Stream = "overhead" }, EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(30)));

    ulong ts = 0;
    foreach (var (name, call) in new (string, Func<GrpcChannel, Task>)[]
    {
        ("Health/Check (retried method)", async c => await new Health.HealthClient(c).CheckAsync(new HealthCheckRequest())),
        ("Journal/AppendEvent (not retried)", async c => await new Journal.JournalClient(c).AppendEventAsync(new AppendEventRequest
        {
            Stream = "overhead",
            Ts = ByteString.CopyFrom(BitConverter.GetBytes(++ts).Reverse().ToArray()),
            Data = ByteString.CopyFromUtf8("x"),
        })),
    })
    {
        var samples = new Dictionary<string, List<double>> { ["plain"] = [], ["plain+retry"] = [], ["plain+resolver"] = [], ["shim"] = [] };
        for (var i = 0; i < 2000; i++)
        {
            await call(plain);
            await call(plainRetry);
            await call(plainResolver);
            await call(shim);
        }

        // Interleaved call by call, rotating which channel goes first: the three channels then see the same machine
        // (a shared 2-core VM whose speed drifts over seconds), which blocks of calls per channel did not.
        var channels = new[] { ("plain", plain), ("plain+retry", plainRetry), ("plain+resolver", plainResolver), ("shim", shim) };
        for (var i = 0; i < calls; i++)
        {
            for (var k = 0; k < channels.Length; k++)
            {
                var (label, channel) = channels[(i + k) % channels.Length];
                var start = Stopwatch.GetTimestamp();
                await call(channel);
                samples[label].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
        }

        var p50Plain = Stats.Percentile(samples["plain"], 50);
        var p50Shim = Stats.Percentile(samples["shim"], 50);
        Console.WriteLine($"OVERHEAD {name}:");
        Console.WriteLine("  plain GrpcChannel: " + Stats.Summary(samples["plain"], " us"));
        Console.WriteLine("  plain + retry policy: " + Stats.Summary(samples["plain+retry"], " us"));
        Console.WriteLine("  plain + resolver:  " + Stats.Summary(samples["plain+resolver"], " us"));
        Console.WriteLine("  shim channel:      " + Stats.Summary(samples["shim"], " us"));
        var p50Retry = Stats.Percentile(samples["plain+retry"], 50);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  p50 overhead vs plain: {(p50Shim / p50Plain - 1) * 100:+0.0;-0.0}%; vs plain with the same retry policy: {(p50Shim / p50Retry - 1) * 100:+0.0;-0.0}%"));
        // Paired: the median of (shim − plain) over the same iterations, relative to the plain p50.
        var paired = samples["shim"].Zip(samples["plain"], (a, b) => a - b).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  paired median (shim - plain): {Stats.Percentile(paired, 50):+0.0;-0.0} us = {Stats.Percentile(paired, 50) / p50Plain * 100:+0.0;-0.0}% of the plain p50"));
        // grpc-dotnet's own cost for a resolver-based channel (no shim code), and what the shim adds on top of it.
        var resolverCost = samples["plain+resolver"].Zip(samples["plain"], (a, b) => a - b).ToList();
        var shimOverResolver = samples["shim"].Zip(samples["plain+resolver"], (a, b) => a - b).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  paired median (plain+resolver - plain): {Stats.Percentile(resolverCost, 50):+0.0;-0.0} us; (shim - plain+resolver): {Stats.Percentile(shimOverResolver, 50):+0.0;-0.0} us"));
    }
}

int IntOption(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static int FreePort(IPAddress address)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(address, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}
