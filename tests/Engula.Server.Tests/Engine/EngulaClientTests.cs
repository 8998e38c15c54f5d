using System.Net;
using Engula.Client;
using Engula.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Server.Tests.Engine;

/// <summary>
/// <c>Engula.Client</c> as a service uses it — <c>builder.AddEngulaClient("engine")</c> with the connection string
/// <c>WithReference(engine)</c> sets — against a real engine: bytes and strings, missing keys, deletes, a refused
/// value, the health check, and a put during a journal stall answered with what is known about it.
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
}
