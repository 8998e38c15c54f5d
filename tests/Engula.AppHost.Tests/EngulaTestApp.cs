using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Engula.AppHost.Tests;

/// <summary>
/// One running instance of Engula.AppHost under <see cref="DistributedApplicationTestingBuilder"/>. Proxied
/// endpoints get random ports here, so a dev AppHost on the fixed ports can run at the same time.
/// </summary>
public sealed class EngulaTestApp : IAsyncDisposable
{
    public static readonly string[] Components = ["journal", "storage", "kernel", "engine"];

    /// <summary>Bound for starting the app until every component is healthy (the machine may be busy).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private EngulaTestApp(DistributedApplication app, HttpClient engine)
    {
        App = app;
        Engine = engine;
    }

    public DistributedApplication App { get; }

    /// <summary>A plain client of the engine's <c>http</c> endpoint: no retries, so a failed put shows.</summary>
    public HttpClient Engine { get; }

    /// <summary>Builds and starts the AppHost with <paramref name="args"/> and waits for all four components to be healthy.</summary>
    /// <param name="args">AppHost arguments, e.g. <c>--Engula:DataDirectory=/tmp/x</c>.</param>
    /// <param name="configure">Adds test-only resources before the app is built.</param>
    public static async Task<EngulaTestApp> StartAsync(string[] args, Action<IDistributedApplicationTestingBuilder>? configure, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var ct = timeout.Token;

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>(args, ct);
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(ct);
        try
        {
            await app.StartAsync(ct);
            foreach (var name in Components)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
            }

            var http = new HttpClient { BaseAddress = app.GetEndpoint("engine", "http"), Timeout = TimeSpan.FromSeconds(30) };
            return new EngulaTestApp(app, http);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async Task<HttpResponseMessage> PutAsync(string key, string value, CancellationToken cancellationToken) =>
        await Engine.GetAsync($"/put?key={Uri.EscapeDataString(key)}&value={Uri.EscapeDataString(value)}", cancellationToken);

    public async Task<HttpResponseMessage> GetAsync(string key, CancellationToken cancellationToken) =>
        await Engine.GetAsync($"/get?key={Uri.EscapeDataString(key)}", cancellationToken);

    /// <summary>The current snapshot of <paramref name="resource"/> (throws if it has none yet).</summary>
    public CustomResourceSnapshot Snapshot(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var e)
            ? e.Snapshot
            : throw new InvalidOperationException($"no state for resource '{resource}'");

    /// <summary>The process id DCP reports for an executable resource (<c>executable.pid</c>).</summary>
    public int ProcessId(string resource)
    {
        var value = Snapshot(resource).Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value
            ?? throw new InvalidOperationException($"resource '{resource}' has no executable.pid");
        return Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Engine.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
