using System.Diagnostics.Metrics;
using Engula.DiscoveryShim.DependencyInjection;
using Engula.DiscoveryShim.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.DiscoveryShim.Tests;

/// <summary>The DI registration and the start-up wait, against real backends.</summary>
public sealed class IntegrationApiTests
{
    [Fact]
    public async Task AddEngulaGrpcClient_resolves_a_logical_name_from_configuration_onto_a_shared_shim_channel()
    {
        await using var cluster = TestCluster.Create();
        await cluster.StartAsync(0, 1);
        cluster.List(0, 1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ENGULA_JOURNAL"] = cluster.DnsTarget,
            ["Engula:Discovery:NameServer"] = cluster.Dns.NameServer,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddEngulaGrpcClient<Health.HealthClient>("journal");
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<Health.HealthClient>();
        Assert.Same(client, provider.GetRequiredService<Health.HealthClient>());
        Assert.Same(provider.GetRequiredService<EngulaChannelCache>().GetOrCreate("journal"), provider.GetRequiredService<EngulaChannelCache>().GetOrCreate("journal"));
        for (var i = 0; i < 20; i++)
        {
            await client.CheckAsync(new HealthCheckRequest(), EngulaCallOptions.WaitForReady(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        }

        // dns:/// through the configured name server, round robin: both pods served.
        Assert.True(cluster.CallsTo(0) > 0 && cluster.CallsTo(1) > 0, $"{cluster.CallsTo(0)} / {cluster.CallsTo(1)}");
        Assert.Equal("127.0.0.1:" + cluster.Dns.Port, provider.GetRequiredService<EngulaChannelFactory>().Options.NameServer);
    }

    [Fact]
    public async Task AddEngulaDiscovery_with_options_builds_the_factory_on_them_without_reading_the_section_again()
    {
        // A section that would not parse: the options given are used as they are.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Engula:Discovery:ConnectTimeout"] = "not a time span",
        }).Build();
        var options = new EngulaChannelOptions { NameServer = "10.0.0.10:53", ConnectTimeout = TimeSpan.FromSeconds(3) };
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddMetrics();
        services.AddEngulaDiscovery(options);
        services.AddEngulaDiscovery();
        await using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<EngulaChannelFactory>();
        Assert.Same(options, factory.Options);
        Assert.Equal(TimeSpan.FromSeconds(3), factory.Options.ConnectTimeout);
        Assert.Same(provider.GetRequiredService<IMeterFactory>(), factory.Options.MeterFactory);
        Assert.NotNull(provider.GetRequiredService<EngulaChannelCache>());
    }

    [Fact]
    public async Task DependencyWait_ends_with_OperationCanceledException_when_the_caller_cancels_a_call_in_flight()
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // What grpc-dotnet throws for a call its token cancelled: an RpcException, not an OperationCanceledException.
        var error = await Assert.ThrowsAsync<OperationCanceledException>(async () =>
            await DependencyWait.Create(NullLogger.Instance, "kernel").ExecuteAsync(async _ =>
            {
                await stopping.CancelAsync();
                throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
            }, stopping.Token));

        Assert.Equal(stopping.Token, error.CancellationToken);
        Assert.Equal(StatusCode.Cancelled, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task DependencyWait_retries_a_start_up_step_until_the_peer_answers()
    {
        await using var cluster = TestCluster.Create();
        cluster.List(0);
        using var channel = cluster.Factory().CreateChannel(cluster.DnsTarget);
        var health = new Health.HealthClient(channel);
        var attempts = 0;

        // Each attempt fails fast (no WaitForReady): the pipeline, not the channel, does the waiting here.
        var wait = DependencyWait.Create(NullLogger.Instance, "journal", TimeSpan.FromMilliseconds(200)).ExecuteAsync(
            async ct =>
            {
                Interlocked.Increment(ref attempts);
                await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: ct);
            },
            TestContext.Current.CancellationToken);

        await Eventually.TrueAsync(() => Volatile.Read(ref attempts) >= 3, TimeSpan.FromSeconds(15), "the step failed and was retried");
        Assert.False(wait.IsCompleted);
        await cluster.StartAsync(0);
        await wait;

        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await DependencyWait.Create(NullLogger.Instance, "nothing").ExecuteAsync(_ => throw new RpcException(new Status(StatusCode.Unavailable, "down")), cancelled.Token));
    }
}
