using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>
/// A real h2c gRPC server on one loopback IP and port — one "pod" of a headless Service — serving
/// <c>grpc.health.v1.Health</c>, the probe journal and the echo service. Every request is counted in the shared
/// <see cref="BackendState"/> and answered with header <c>x-backend: &lt;ip&gt;</c>. It can be stopped gracefully,
/// killed (connections reset, in-flight calls cut) and started again on the same address.
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private WebApplication? _app;

    public TestBackend(IPAddress address, int port, BackendState state)
    {
        Address = address;
        Port = port;
        State = state;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public BackendState State { get; }

    public string Name => Address.ToString();

    public string Endpoint => $"{Address}:{Port}";

    public bool IsRunning => _app is not null;

    public static async Task<TestBackend> StartAsync(IPAddress address, int port, BackendState state, CancellationToken cancellationToken)
    {
        var backend = new TestBackend(address, port, state);
        await backend.StartAsync(cancellationToken);
        return backend;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException($"backend {Endpoint} already runs");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(Address, Port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        // Answer Check from a fresh run of the checks, not the publisher cache that says UNKNOWN for the first seconds.
        builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false);
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy());
        builder.Services.AddSingleton(new ProbeJournalService(State, Name));
        builder.Services.AddSingleton(new EchoService(Name));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            State.Count(Name, context.Request.Path.Value ?? "");
            context.Response.Headers["x-backend"] = Name;
            await next(context);
        });
        app.MapGrpcService<ProbeJournalService>();
        app.MapGrpcService<EchoService>();
        app.MapGrpcHealthChecksService();
        await app.StartAsync(cancellationToken);
        _app = app;
    }

    /// <summary>Graceful stop: no new connections, in-flight calls finish.</summary>
    public async Task StopAsync()
    {
        var app = Interlocked.Exchange(ref _app, null);
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Abortive stop, as close to SIGKILL as in-process gets: open connections are reset and in-flight
    /// calls cut without a response.</summary>
    public async Task KillAsync()
    {
        var app = Interlocked.Exchange(ref _app, null);
        if (app is not null)
        {
            await app.StopAsync(new CancellationToken(canceled: true));
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
