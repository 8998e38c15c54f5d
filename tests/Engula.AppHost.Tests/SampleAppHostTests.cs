using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Engula.AppHost.Tests;

/// <summary>
/// samples/Engula.Samples.AppHost: the four components plus <c>kvapi</c>, a service that keeps counters in the engine
/// through <c>Engula.Client</c>, found only through <c>WithReference(engine)</c>.
/// </summary>
public sealed class SampleAppHostTests
{
    private static readonly string[] Resources = [.. EngulaTestApp.Components, "kvapi"];

    [Fact]
    public async Task SampleAppHostIsTheFourComponentsInMemoryModePlusKvApiWaitingForTheEngine()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_Samples_AppHost>([], TestContext.Current.CancellationToken);

        // (Aspire adds hidden helper resources of its own, such as a project's "-rebuilder": only the app's count.)
        var resources = builder.Resources.Where(r => r is EngulaServerResource or ProjectResource).Select(r => r.Name);
        Assert.Equal(Resources.Order(StringComparer.Ordinal), resources.Order(StringComparer.Ordinal));
        Assert.All(builder.Resources.OfType<EngulaDataResource>(), data => Assert.Equal(EngulaDataMode.Memory, data.DataMode));
        var kvapi = Assert.IsType<ProjectResource>(builder.Resources.Single(r => r.Name == "kvapi"));
        var wait = Assert.Single(kvapi.Annotations.OfType<WaitAnnotation>());
        Assert.Equal(("engine", WaitType.WaitUntilHealthy), (wait.Resource.Name, wait.WaitType));

        // Beside the default app host's 24567-24570, not on them.
        var ports = builder.Resources.OfType<EngulaServerResource>().Select(r => Assert.Single(r.Annotations.OfType<EndpointAnnotation>(), e => e.Name == r.PrimaryEndpointName).Port).ToArray();
        Assert.Equal([24577, 24578, 24579, 24580], ports.Order());
    }

    [Fact]
    public async Task KvApiIncrementsACounterThroughEngulaClientAndTheEngineHoldsTheValue()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EngulaTestApp.StartTimeout + TimeSpan.FromMinutes(1));
        var ct = timeout.Token;

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_Samples_AppHost>([], ct);
        var app = await builder.BuildAsync(ct);
        try
        {
            await app.StartAsync(ct);
            // kvapi's /health includes its Engula client's check of the engine: healthy means it can reach Engula.
            foreach (var name in Resources)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
            }

            // Plain clients without retries, so that one increment is one request.
            using var kvapi = new HttpClient { BaseAddress = app.GetEndpoint("kvapi", "http"), Timeout = TimeSpan.FromSeconds(30) };
            using var engine = new HttpClient { BaseAddress = app.GetEndpoint("engine", "http"), Timeout = TimeSpan.FromSeconds(30) };
            var counter = "hits-" + Guid.NewGuid().ToString("N");

            Assert.Equal(1, await IncrementAsync(kvapi, counter, ct));
            Assert.Equal(2, await IncrementAsync(kvapi, counter, ct));

            // The value is in Engula, under the key the sample documents, readable through the engine's own API.
            using var stored = await engine.GetAsync("/kv/" + Uri.EscapeDataString("counter:" + counter), ct);
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            Assert.Equal("2", await stored.Content.ReadAsStringAsync(ct));

            using var read = await kvapi.GetAsync($"/counters/{counter}", ct);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(2, (await read.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("value").GetInt64());

            // What WithReference(engine) gave kvapi, as the process received it: the connection string AddEngulaClient
            // reads, the service-discovery entry and the connection properties, all naming the engine's endpoint.
            var engineUrl = app.GetEndpoint("engine", "http");
            var environment = ClusterTests.ProcessEnvironment(ProcessId(app, "kvapi"));
            Assert.Equal(engineUrl.ToString().TrimEnd('/'), environment["ConnectionStrings__engine"]);
            Assert.Equal(engineUrl.ToString().TrimEnd('/'), environment["services__engine__http__0"]);
            Assert.Equal(engineUrl.ToString().TrimEnd('/'), environment["ENGINE_URI"]);
            Assert.Equal(engineUrl.Host, environment["ENGINE_HOST"]);
            Assert.Equal(engineUrl.Port.ToString(CultureInfo.InvariantCulture), environment["ENGINE_PORT"]);
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await app.StopAsync(stop.Token);
            }
            finally
            {
                await app.DisposeAsync();
            }
        }
    }

    private static async Task<long> IncrementAsync(HttpClient kvapi, string counter, CancellationToken cancellationToken)
    {
        using var response = await kvapi.PostAsync($"/counters/{counter}/increment", content: null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"increment answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(counter, json.RootElement.GetProperty("name").GetString());
        return json.RootElement.GetProperty("value").GetInt64();
    }

    /// <summary>The process id DCP reports for a resource it runs as a process (<c>executable.pid</c>).</summary>
    private static int ProcessId(DistributedApplication app, string resource)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resource, out var state), $"no state for '{resource}'");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.NotNull(pid);
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }
}
