using System.Collections.Concurrent;
using System.Net;
using Engula.Client;
using Engula.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Tests.Engine;

/// <summary>
/// <c>Engula.Client</c> as a service uses it — <c>builder.AddEngulaClient("engine")</c> with the connection string
/// <c>WithReference(engine)</c> sets — against a real engine: bytes and strings, missing keys, deletes, a refused
/// value, the health check, and a put during a journal stall answered with what is known about it; and which failed
/// requests its resilience handler sends again (a put only when its connection was never established).
/// </summary>
public sealed class EngulaClientTests
{
    [Fact]
    public async Task The_typed_client_gets_puts_deletes_reports_health_and_says_what_a_failed_put_left()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path, engineArguments: ["--write-timeout", "2"]);
        await cluster.StartAsync(ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:engine"] = $"http://{cluster.Engine.Address}";
        builder.AddEngulaClient("engine");
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<EngulaClient>();
        try
        {
            byte[] binary = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
            await client.PutAsync("bytes/ key?", binary, ct);
            Assert.Equal(binary, await client.GetAsync("bytes/ key?", ct));
            await client.PutAsync("text", "héllo", ct);
            Assert.Equal("héllo", await client.GetStringAsync("text", ct));
            Assert.Null(await client.GetAsync("never-written", ct));
            await client.DeleteAsync("text", ct);
            Assert.Null(await client.GetStringAsync("text", ct));

            var tooLarge = await Assert.ThrowsAsync<EngulaClientException>(() => client.PutAsync("big", new byte[2 * 1024 * 1024], ct));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Equal(EngulaWriteOutcome.Unknown, tooLarge.Outcome);

            var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(ct);
            Assert.Equal(HealthStatus.Healthy, health.Status);

            // A hung journal: the put is sent, not answered within the engine's write timeout, and the client says so.
            await cluster.Journal.SignalAsync("STOP");
            var stalled = await Assert.ThrowsAsync<EngulaClientException>(() => client.PutAsync("stalled", "v", ct));
            await cluster.Journal.SignalAsync("CONT");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.StatusCode);

            // Normally the put was in flight (OutcomeUnknown) and the engine settles it once the journal is back: it ends
            // up applied. On a machine so loaded that the writer had not taken it yet, it was still queued (NotApplied)
            // and never appears. Either way the client was told which, and the value says it told the truth.
            // The engine commits nothing else before it has settled the stalled put, so once a later put is acknowledged
            // the stalled one's fate is decided.
            Assert.Contains(stalled.Outcome, new[] { EngulaWriteOutcome.OutcomeUnknown, EngulaWriteOutcome.NotApplied });
            await client.PutAsync("after", "v", ct);
            Assert.Equal(stalled.Outcome == EngulaWriteOutcome.OutcomeUnknown ? "v" : null, await client.GetStringAsync("stalled", ct));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    /// <summary>Attempts the standard handler makes (1 + its 3 retries) when every attempt fails transiently.</summary>
    private const int AllAttempts = 4;

    [Fact]
    public async Task A_put_whose_connection_was_refused_is_sent_again_and_reaches_the_engine_once_it_listens()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var cluster = new FileCluster(data.Path);
        // Everything but the engine: its port is reserved and nobody listens on it, so the first attempt is refused.
        cluster.Journal.Start();
        cluster.Storage.Start();
        cluster.Kernel.Start();

        var retried = new ConcurrentQueue<Exception?>();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:engine"] = $"http://{cluster.Engine.Address}";
        var attempts = new AttemptCounter();
        builder.AddEngulaClient("engine").AddHttpMessageHandler(() => new CountingHandler(attempts));
        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.OnRetry = async args =>
        {
            // The engine is started between the refused attempt and the retry, and the retry waits until it answers:
            // the retry window is then not a race against the engine's start-up on a busy machine.
            retried.Enqueue(args.Outcome.Exception);
            if (retried.Count == 1)
            {
                cluster.Engine.Start();
                await cluster.Engine.WaitForHttpHealthyAsync(TimeSpan.FromSeconds(45), ct);
            }
        });
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<EngulaClient>();
        try
        {
            await client.PutAsync("sent-twice", "v", ct);

            var refused = Assert.IsType<HttpRequestException>(Assert.Single(retried));
            Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
            Assert.Equal(2, attempts.Count("PUT"));
            Assert.Equal("v", await client.GetStringAsync("sent-twice", ct));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Diagnostics()}", e);
        }
    }

    [Fact]
    public async Task A_put_to_a_port_nobody_listens_on_is_attempted_as_often_as_a_get_and_fails_with_the_connection_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var attempts = new AttemptCounter();
        using var host = ClientHost($"http://127.0.0.1:{FreePort.Next()}", attempts, serviceDefaults: false);
        var client = host.Services.GetRequiredService<EngulaClient>();

        var put = await Assert.ThrowsAsync<HttpRequestException>(() => client.PutAsync("nobody-listens", "v", ct));
        Assert.Equal(HttpRequestError.ConnectionError, put.HttpRequestError);
        Assert.Equal(AllAttempts, attempts.Count("PUT"));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("nobody-listens", ct));
        Assert.Equal(AllAttempts, attempts.Count("GET"));
    }

    [Fact]
    public async Task A_put_the_engine_answered_with_503_is_not_sent_again_even_under_service_defaults_while_a_get_is()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new AttemptCounter();
        var port = FreePort.Next();
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.ClearProviders();
        web.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        await using var unavailable = web.Build();
        // What an engine whose journal stalls answers: the put reached it, so it may yet be applied.
        unavailable.Run(async context =>
        {
            received.Add(context.Request.Method);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("outcome unknown: the journal did not answer in time", context.RequestAborted);
        });
        await unavailable.StartAsync(ct);

        // As in a service that called AddServiceDefaults: every HttpClient has a standard resilience handler already.
        using var host = ClientHost($"http://127.0.0.1:{port}", attempts: null, serviceDefaults: true);
        var client = host.Services.GetRequiredService<EngulaClient>();

        var put = await Assert.ThrowsAsync<EngulaClientException>(() => client.PutAsync("answered", "v", ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.Equal(EngulaWriteOutcome.OutcomeUnknown, put.Outcome);
        Assert.Equal(1, received.Count("PUT"));

        // The same answer to a get is retried — once per retry, not once per retry of each of two stacked handlers.
        var get = await Assert.ThrowsAsync<EngulaClientException>(() => client.GetAsync("answered", ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        Assert.Equal(AllAttempts, received.Count("GET"));
    }

    /// <summary>A host with the client of the engine at <paramref name="address"/>, retry delays cut to 10 ms (what is
    /// retried is under test, not when).</summary>
    private static IHost ClientHost(string address, AttemptCounter? attempts, bool serviceDefaults)
    {
        var builder = Host.CreateApplicationBuilder();
        if (serviceDefaults)
        {
            // What Engula.ServiceDefaults' AddServiceDefaults does for every HttpClient.
            builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        }

        builder.Configuration["ConnectionStrings:engine"] = address;
        var client = builder.AddEngulaClient("engine");
        if (attempts is not null)
        {
            client.AddHttpMessageHandler(() => new CountingHandler(attempts));
        }

        builder.Services.ConfigureAll<HttpStandardResilienceOptions>(options => options.Retry.Delay = TimeSpan.FromMilliseconds(10));
        return builder.Build();
    }

    /// <summary>Requests per HTTP method.</summary>
    private sealed class AttemptCounter
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public void Add(string method) => _counts.AddOrUpdate(method, 1, (_, n) => n + 1);

        public int Count(string method) => _counts.GetValueOrDefault(method);
    }

    /// <summary>Innermost in the client's pipeline (below the resilience handler), so it sees every attempt.</summary>
    private sealed class CountingHandler(AttemptCounter attempts) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            attempts.Add(request.Method.Method);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
