using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engula.Operator.Hosting;

/// <summary>
/// The operator process, composed like every Engula process: a host with the service defaults (OpenTelemetry, the
/// Prometheus exporter, health checks), the <see cref="OperatorHost"/> as a hosted service, and its readiness as a
/// health check. Over HTTP it answers the probe paths the install manifests name — <c>/healthz</c> (alive) and
/// <c>/readyz</c> (ready) — besides the defaults <c>/health</c>, <c>/alive</c> and <c>/metrics</c>.
/// </summary>
internal static class OperatorApp
{
    /// <summary>The web host serving health and metrics on <paramref name="address"/> (host:port).</summary>
    public static WebApplication Build(IKubernetes client, OperatorOptions options, string address)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Not the entry assembly's name (a test host's, when built in a test): any other name makes the host try
            // to load it as a hosting-startup assembly.
            ApplicationName = typeof(OperatorApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls("http://" + address);
        builder.AddOperator(client, options);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        // The probes of the operator's Deployment: "ok", or 503 and the reason readiness is false.
        app.MapHealthChecks("/healthz", ProbeOptions(r => r.Tags.Contains(Microsoft.Extensions.Hosting.Extensions.LiveTag)));
        app.MapHealthChecks("/readyz", ProbeOptions(_ => true));
        return app;
    }

    /// <summary>The host without HTTP (<c>--http none</c>): the same services, nothing listening.</summary>
    public static IHost BuildWithoutHttp(IKubernetes client, OperatorOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = typeof(OperatorApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddOperator(client, options);
        return builder.Build();
    }

    private static TBuilder AddOperator<TBuilder>(this TBuilder builder, IKubernetes client, OperatorOptions options) where TBuilder : IHostApplicationBuilder
    {
        // The lowest-precedence defaults (appsettings, environment variables override them): one line per log entry as
        // before, and no per-request lines from ASP.NET Core for every probe and scrape.
        builder.AddDefaultSettings(new Dictionary<string, string?>
        {
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["OTEL_SERVICE_NAME"] = Manifests.InstallManifests.Name,
        });

        builder.AddServiceDefaults();
        builder.Services.AddSingleton(client);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new OperatorMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddSingleton<OperatorHost>();
        builder.Services.AddSingleton<OperatorService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperatorService>());
        builder.Services.AddHealthChecks().AddCheck<OperatorReadiness>(OperatorReadiness.Name);
        return builder;
    }

    private static HealthCheckOptions ProbeOptions(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = (context, report) =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            string text = report.Status == HealthStatus.Healthy
                ? "ok"
                : string.Join("; ", report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description ?? e.Status.ToString()));
            return context.Response.WriteAsync(text);
        },
    };
}
