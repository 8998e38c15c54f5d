using System.Diagnostics.Metrics;
using Engula.DiscoveryShim.Telemetry;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// The retry classification against a backend that dies after applying a request and before answering (the
/// case that makes a blind retry dangerous), with the probe journal counting what reached it.
/// </summary>
public sealed class RetryClassificationTests
{
    private const string CreatePath = "/engula.journal.v1.Journal/CreateStream";
    private const string AppendPath = "/engula.journal.v1.Journal/AppendEvent";

    [Fact]
    public async Task Idempotent_CreateStream_survives_a_backend_restart_within_its_deadline_ProbeJournal()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        var factory = cluster.Factory();
        using var channel = factory.CreateChannel(cluster.DnsTarget);
        var client = new Journal.JournalClient(channel);
        using var retries = new RetryCounter(factory, cluster.DnsTarget, CreatePath);

        cluster.State.HoldMutations = true;
        var call = client.CreateStreamAsync(new CreateStreamRequest { Stream = "DEFAULT" }, EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        await cluster.State.Applied.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The server applied the request and dies before answering; it comes back on the same address.
        await cluster.Backends[0].KillAsync();
        cluster.State.HoldMutations = false;
        await cluster.StartAsync(0);

        await call.ResponseAsync;
        Assert.Equal(2, cluster.State.Calls(CreatePath));
        Assert.True(retries.Count >= 1, "the success came from a retry");
    }

    [Fact]
    public async Task Non_idempotent_AppendEvent_is_not_retried_after_the_request_may_have_been_applied_ProbeJournal()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        var factory = cluster.Factory();
        using var channel = factory.CreateChannel(cluster.DnsTarget);
        var client = new Journal.JournalClient(channel);
        using var retries = new RetryCounter(factory, cluster.DnsTarget, AppendPath);

        cluster.State.HoldMutations = true;
        var call = client.AppendEventAsync(
            new AppendEventRequest { Stream = "DEFAULT", Ts = ByteString.CopyFrom(new byte[8]), Data = ByteString.CopyFromUtf8("x") },
            EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        await cluster.State.Applied.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        await cluster.Backends[0].KillAsync();
        cluster.State.HoldMutations = false;
        await cluster.StartAsync(0);

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);

        // The call is over, so nothing can retry it any more: the server saw it exactly once.
        Assert.Equal(1, cluster.State.Calls(AppendPath));
        Assert.Equal(0, retries.Count);

        // The channel itself is fine: the caller decides (here: a new append with a new ts succeeds).
        await client.AppendEventAsync(
            new AppendEventRequest { Stream = "DEFAULT", Ts = ByteString.CopyFrom(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }) },
            EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        Assert.Equal(2, cluster.State.Calls(AppendPath));
    }

    [Fact]
    public void Classification_retries_exactly_the_idempotent_methods()
    {
        string[] notRetried = ["/engula.journal.v1.Journal/AppendEvent", "/engula.storage.v1.Storage/UploadObject", "/engula.kernel.v1.Kernel/ApplyUpdate"];
        string[] retried =
        [
            "/engula.journal.v1.Journal/CreateStream", "/engula.journal.v1.Journal/DeleteStream", "/engula.journal.v1.Journal/ReleaseEvents",
            "/engula.journal.v1.Journal/ReadEvents", "/engula.storage.v1.Storage/CreateBucket", "/engula.storage.v1.Storage/DeleteBucket",
            "/engula.storage.v1.Storage/DeleteObject", "/engula.storage.v1.Storage/ReadObject", "/engula.kernel.v1.Kernel/CurrentVersion",
            "/engula.kernel.v1.Kernel/VersionUpdates", "/engula.kernel.v1.Kernel/PlaceLookup", "/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
        ];

        Assert.Equal(retried.Order(), EngulaCallClassification.Methods.Where(m => m.RetryOnUnavailable).Select(m => m.Path).Order());
        Assert.Equal(notRetried.Order(), EngulaCallClassification.Methods.Where(m => !m.RetryOnUnavailable).Select(m => m.Path).Order());
        Assert.False(EngulaCallClassification.IsRetried("engula.test.v1.Echo", "Chat"));

        // Every method of the three Engula services is classified (a new RPC must be decided on, not defaulted).
        var protocol = new[] { Journal.Descriptor, Engula.Protocol.Storage.Storage.Descriptor, Engula.Protocol.Kernel.Kernel.Descriptor }
            .SelectMany(s => s.Methods.Select(m => "/" + s.FullName + "/" + m.Name));
        Assert.Empty(protocol.Except(EngulaCallClassification.Methods.Select(m => m.Path)));

        var config = EngulaCallClassification.CreateRetryMethodConfig(new EngulaChannelOptions());
        Assert.Equal(retried.Length, config.Names.Count);
        Assert.Equal([StatusCode.Unavailable], config.RetryPolicy!.RetryableStatusCodes);
    }

    /// <summary>Counts <see cref="DiscoveryTelemetry.Retries"/> measurements for one target and method.</summary>
    private sealed class RetryCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _count;

        public RetryCounter(EngulaChannelFactory factory, string target, string method)
        {
            var meter = factory.Metrics.Meter;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == DiscoveryTelemetry.Retries)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? t = null, m = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "engula.target")
                    {
                        t = tag.Value as string;
                    }
                    else if (tag.Key == "rpc.method")
                    {
                        m = tag.Value as string;
                    }
                }

                if (t == target && m == method)
                {
                    Interlocked.Add(ref _count, (int)value);
                }
            });
            _listener.Start();
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
