using System.Buffers.Binary;
using System.Net;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Engula.Protocol.Journal;
using Engula.Server.Shim;
using Engula.Server.Runtime;
using Engula.Test.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Engula.DiscoveryShim.Tests;

/// <summary>
/// The sidecar exactly as <c>engula shim run --listen 127.0.0.1:0 --target dns:///… --admin 127.0.0.1:0</c> builds it
/// (<see cref="ShimServer.Build"/>), in front of real backends found through the test DNS server. Clients are plain
/// grpc-dotnet channels to the sidecar's loopback port (no discovery of their own), like the original tonic clients.
/// </summary>
public sealed class SidecarTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Unary_calls_reach_every_backend_found_through_dns()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1, 2);
        cluster.List(0, 1, 2);
        await using var shim = await Sidecar.StartAsync(cluster);
        var health = new Health.HealthClient(shim.Client);

        cluster.State.Reset();
        await Eventually.TrueAsync(
            async () =>
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
                return cluster.CallsTo(0) > 0 && cluster.CallsTo(1) > 0 && cluster.CallsTo(2) > 0;
            },
            Wait,
            "every backend served a forwarded call");

        cluster.State.Reset();
        for (var i = 0; i < 30; i++)
        {
            await health.CheckAsync(new HealthCheckRequest(), deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        }

        Assert.Equal([10, 10, 10], new[] { cluster.CallsTo(0), cluster.CallsTo(1), cluster.CallsTo(2) });
    }

    [Fact]
    public async Task Server_streaming_passes_every_message_in_order_with_the_backends_headers()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        var journal = new Journal.JournalClient(shim.Client);

        using var call = journal.ReadEvents(new ReadEventsRequest { Stream = "DEFAULT", Ts = Ts(5) }, deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        var events = new List<Event>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            events.AddRange(response.Events);
        }

        Assert.Equal([0UL, 1, 2, 3, 4], events.Select(e => BinaryPrimitives.ReadUInt64BigEndian(e.Ts.Span)));
        Assert.All(events, e => Assert.Equal("127.0.0.2", e.Data.ToStringUtf8()));
        Assert.Equal("127.0.0.2", (await call.ResponseHeadersAsync).GetValue("x-backend"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_and_bidi_streaming_of_any_service_pass_through()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        var echo = new Echo.EchoClient(shim.Client);

        using (var collect = echo.Collect(deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken))
        {
            foreach (var text in new[] { "a", "b", "c" })
            {
                await collect.RequestStream.WriteAsync(new EchoMessage { Text = text }, TestContext.Current.CancellationToken);
            }

            await collect.RequestStream.CompleteAsync();
            Assert.Equal("a+b+c", (await collect.ResponseAsync).Text);
        }

        using var chat = echo.Chat(deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        foreach (var text in new[] { "x", "y" })
        {
            // Interleaved: each reply arrives before the next message is sent, so the stream is truly bidirectional.
            await chat.RequestStream.WriteAsync(new EchoMessage { Text = text }, TestContext.Current.CancellationToken);
            Assert.True(await chat.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
            Assert.Equal("127.0.0.2:" + text, chat.ResponseStream.Current.Text);
        }

        await chat.RequestStream.CompleteAsync();
        Assert.False(await chat.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.OK, chat.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Error_status_message_and_trailers_pass_through()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        var journal = new Journal.JournalClient(shim.Client);

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await journal.DeleteStreamAsync(new DeleteStreamRequest { Stream = "x" }, deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("strøm 'x' ✓ 100%", e.Status.Detail);
        Assert.Equal("127.0.0.2", e.Trailers.GetValue("engula-probe"));
        Assert.Equal([1, 2, 3, 255], e.Trailers.GetValueBytes("engula-detail-bin"));

        using var read = journal.ReadEvents(new ReadEventsRequest { Stream = "missing" }, deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        var streamError = await Assert.ThrowsAsync<RpcException>(() => read.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.NotFound, streamError.StatusCode);
        Assert.Equal("stream 'missing'", streamError.Status.Detail);
    }

    [Fact]
    public async Task Without_backends_calls_fail_with_unavailable_or_their_deadline_and_health_says_so()
    {
        await using var cluster = TestCluster.Create();
        cluster.List();
        await using var shim = await Sidecar.StartAsync(cluster);
        var health = new Health.HealthClient(shim.Client);

        // No deadline (as the original clients): bounded by Engula:Shim:NoDeadlineReadyTimeout (1 s here).
        var unavailable = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);

        var late = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddMilliseconds(500), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);

        using var http = new HttpClient();
        var notReady = await http.GetAsync($"http://{shim.AdminAddress}/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://{shim.AdminAddress}/alive", TestContext.Current.CancellationToken)).StatusCode);

        await cluster.StartAsync(0);
        cluster.List(0);
        await Eventually.TrueAsync(
            async () => (await http.GetAsync($"http://{shim.AdminAddress}/health", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK,
            Wait,
            "the sidecar reports ready once a backend is listed");
        await health.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Keeps_working_across_a_backend_restart()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        var health = new Health.HealthClient(shim.Client);
        await health.CheckAsync(new HealthCheckRequest(), deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);

        await cluster.Backends[0].KillAsync();

        // A call with a deadline waits inside the sidecar (WaitForReady) until the backend is back.
        var waiting = health.CheckAsync(new HealthCheckRequest(), deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
        cluster.State.Reset();
        await cluster.StartAsync(0);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await waiting).Status);
        var journal = new Journal.JournalClient(shim.Client);
        using var read = journal.ReadEvents(new ReadEventsRequest { Stream = "DEFAULT", Ts = Ts(2) }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, await read.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken).CountAsync(TestContext.Current.CancellationToken));
        Assert.True(cluster.CallsTo(0) >= 2);
    }

    [Fact]
    public async Task Malformed_or_unsupported_requests_get_a_grpc_error_and_the_sidecar_stays_up()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        // A length prefix of 10 bytes followed by only 2.
        var truncated = await RawGrpcAsync(http, shim, "/engula.journal.v1.Journal/ReleaseEvents", [0, 0, 0, 0, 10, 1, 2]);
        Assert.Equal("13", truncated);

        var badFlag = await RawGrpcAsync(http, shim, "/engula.journal.v1.Journal/ReleaseEvents", [7, 0, 0, 0, 0]);
        Assert.Equal("13", badFlag);

        var snappy = await RawGrpcAsync(http, shim, "/engula.journal.v1.Journal/ReleaseEvents", [0, 0, 0, 0, 0], encoding: "snappy");
        Assert.Equal(((int)StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture), snappy);

        var notGrpc = await http.PostAsync($"http://{shim.Address}/engula.journal.v1.Journal/ReleaseEvents", new StringContent("hello"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notGrpc.StatusCode);

        // Still serving. (The malformed calls were opened towards the backend before their bad bytes arrived and
        // then cancelled: a stream is forwarded as it comes, so the shim cannot vet a whole request first.)
        var before = cluster.State.Calls("/engula.journal.v1.Journal/ReleaseEvents");
        var journal = new Journal.JournalClient(shim.Client);
        await journal.ReleaseEventsAsync(new ReleaseEventsRequest { Stream = "DEFAULT", Ts = Ts(1) }, deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(before + 1, cluster.State.Calls("/engula.journal.v1.Journal/ReleaseEvents"));
    }

    [Fact]
    public async Task Gzip_compressed_requests_are_forwarded()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        cluster.List(0);
        await using var shim = await Sidecar.StartAsync(cluster);
        var echo = new Echo.EchoClient(shim.Client);

        var headers = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        using var collect = echo.Collect(headers, Deadline(), TestContext.Current.CancellationToken);
        await collect.RequestStream.WriteAsync(new EchoMessage { Text = new string('z', 10_000) }, TestContext.Current.CancellationToken);
        await collect.RequestStream.CompleteAsync();

        Assert.Equal(new string('z', 10_000), (await collect.ResponseAsync).Text);
    }

    private static async Task<string?> RawGrpcAsync(HttpClient http, Sidecar shim, string path, byte[] body, string? encoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{shim.Address}{path}")
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {response.Headers} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
    }

    [Fact]
    public async Task A_forwarded_call_that_a_GOAWAY_refused_is_sent_again_whole()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0);
        await using var proxy = RefusingFirstConnectionProxy.Start(new IPEndPoint(cluster.Backends[0].Address, cluster.Backends[0].Port));
        await using var shim = await Sidecar.StartAsync(proxy.Address, cluster.Dns.NameServer);

        // Server-streaming and retried: the sidecar forwards it as a duplex call on the method's path.
        using var read = new Journal.JournalClient(shim.Client).ReadEvents(
            new ReadEventsRequest { Stream = "DEFAULT", Ts = Ts(3) }, deadline: Deadline(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, await read.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken).CountAsync(TestContext.Current.CancellationToken));

        await proxy.Refused.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(2, proxy.Accepted);
    }

    private static DateTime Deadline() => DateTime.UtcNow + Wait;

    private static ByteString Ts(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>A running <see cref="ShimServer"/> and a plain channel to its listen port.</summary>
    private sealed class Sidecar : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Sidecar(WebApplication app, string address, string adminAddress)
        {
            _app = app;
            Address = address;
            AdminAddress = adminAddress;
            Client = GrpcChannel.ForAddress("http://" + address);
        }

        public string Address { get; }

        public string AdminAddress { get; }

        public GrpcChannel Client { get; }

        public static Task<Sidecar> StartAsync(TestCluster cluster) => StartAsync(cluster.DnsTarget, cluster.Dns.NameServer);

        public static async Task<Sidecar> StartAsync(string target, string nameServer)
        {
            var options = new ServerOptions
            {
                Listen = new ListenAddress("127.0.0.1", 0),
                Admin = new ListenAddress("127.0.0.1", 0),
                Configuration = new Dictionary<string, string?>
                {
                    ["Engula:Discovery:NameServer"] = nameServer,
                    ["Engula:Discovery:RefreshInterval"] = "00:00:00.300",
                    ["Engula:Discovery:MinResolveInterval"] = "00:00:00.100",
                    ["Engula:Shim:NoDeadlineReadyTimeout"] = "00:00:01",
                    ["Logging:LogLevel:Default"] = "Warning",
                },
            };
            var app = ShimServer.Build(options, target);
            await app.StartAsync(TestContext.Current.CancellationToken);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
                .Select(a => new Uri(a)).Select(u => $"{u.Host}:{u.Port}").ToList();
            return new Sidecar(app, addresses[0], addresses[1]);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
