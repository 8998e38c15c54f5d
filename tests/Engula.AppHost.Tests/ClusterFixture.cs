using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Engula.AppHost.Tests;

/// <summary>
/// One file-mode cluster shared by the tests of <see cref="ClusterCollection"/> (a start and stop cost
/// 15–25 s here). It also runs <c>client</c>: a shell script that finds the engine only through
/// <c>WithReference(engine)</c> (connection string, service discovery and connection properties) and writes one key,
/// as another project of an app host would.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string ClientKey = "written-by-client";
    public const string ClientValue = "found-by-connection-string";

    private EngulaTestApp? _app;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "engula-apphost-tests", Guid.NewGuid().ToString("N"));

    public EngulaTestApp App => _app ?? throw new InvalidOperationException("the cluster did not start");

    public async ValueTask InitializeAsync()
    {
        _app = await EngulaTestApp.StartAsync(
            [$"--Engula:DataDirectory={DataDirectory}"],
            builder =>
            {
                var engine = builder.CreateResourceBuilder<EngulaEngineResource>("engine");
                // Succeeds only if the connection string and the service-discovery entry both name the engine. The
                // retries cover a put refused while the cluster is still settling on a machine loaded by the other test
                // tiers (a connection refused, a 503 past the write timeout); they keep this test about discovery.
                builder.AddExecutable(
                        "client",
                        "/bin/sh",
                        ".",
                        "-c",
                        "test -n \"$ConnectionStrings__engine\" && test \"$ConnectionStrings__engine\" = \"$services__engine__http__0\" && " +
                        // The connection properties, as Aspire's own integrations give them: the key is written
                        // through ENGINE_HOST and ENGINE_PORT, so it exists only if they are set and right.
                        "test \"$ENGINE_URI\" = \"$ConnectionStrings__engine\" && test -n \"$ENGINE_HOST\" && test -n \"$ENGINE_PORT\" && " +
                        $"curl -sf --retry 5 --retry-delay 1 --retry-all-errors \"http://$ENGINE_HOST:$ENGINE_PORT/put?key={ClientKey}&value={ClientValue}\"")
                    .WithReference(engine)
                    .WaitFor(engine);
            },
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
