using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Operator;

/// <summary><c>/healthz</c> (alive), <c>/readyz</c> (the API server answers, and standby or leader with synced caches) and Prometheus <c>/metrics</c>.</summary>
public static class HealthEndpoints
{
    public static WebApplication Build(OperatorHost host, string address)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://" + address);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => host.IsReady ? Results.Text("ok") : Results.Text(host.NotReadyReason ?? "not ready", statusCode: 503));
        app.MapGet("/metrics", () => Results.Text(host.Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }
}
