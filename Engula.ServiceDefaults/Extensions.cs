using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire-style service defaults shared by every Engula process: OpenTelemetry (exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and always scrapeable as Prometheus text), health checks and
/// service discovery.
/// </summary>
public static class Extensions
{
    /// <summary>Tag of the health checks that answer <c>/alive</c> (liveness); every check answers <c>/health</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>Meter and activity-source names all Engula components publish under.</summary>
    public const string EngulaTelemetryPrefix = "Engula.";

    /// <summary>Kestrel's per-rent memory-pool counter, not collected (see <see cref="ConfigureOpenTelemetry{TBuilder}"/>).</summary>
    private const string RentedBuffersInstrument = "aspnetcore.memory_pool.rented";

    /// <summary>Kestrel's per-rent-and-return memory-pool gauge, not collected.</summary>
    private const string PooledBuffersInstrument = "aspnetcore.memory_pool.pooled";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();

        // Only HttpClients get the standard resilience handler. gRPC channels are built by
        // Engula.DiscoveryShim, which owns retries for them: stacking an HTTP resilience handler under
        // gRPC retries would multiply attempts.
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>
    /// Adds <paramref name="settings"/> as the lowest-precedence configuration source (appsettings.json, environment
    /// variables and the command line override every one of them), together with the log levels the ASP.NET Core
    /// templates put in appsettings.json: Information, and Warning for <c>Microsoft.AspNetCore</c>, without which every
    /// request — each probe and scrape too — is logged at Information ("Request starting", "Request finished").
    /// </summary>
    public static TBuilder AddDefaultSettings<TBuilder>(this TBuilder builder, IEnumerable<KeyValuePair<string, string?>> settings)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            defaults[key] = value;
        }

        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Metrics always: /metrics is scraped whether or not anything collects OTLP.
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(EngulaTelemetryPrefix + "*")
                // Kestrel's memory-pool instruments (new in .NET 10) record on every rent and every return of a pooled
                // buffer, several times per request: ~2 % of the engine's CPU per put (perf). The pool's growth and
                // trimming (aspnetcore.memory_pool.allocated and .evicted, rare events) are kept.
                .AddView(RentedBuffersInstrument, MetricStreamConfiguration.Drop)
                .AddView(PooledBuffersInstrument, MetricStreamConfiguration.Drop)
                .AddPrometheusExporter());

        // Spans and OpenTelemetry logs only when something collects them: without an exporter every span would be
        // built, sampled and thrown away on every request (measured: ~10 % of the engine's CPU per put). Trace
        // context still propagates across calls either way (the W3C headers come from the HTTP client handler).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });

            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(EngulaTelemetryPrefix + "*")
                    .AddAspNetCoreInstrumentation(o =>
                        // Probes and scrapes are noise in the trace view.
                        o.Filter = ctx => !IsProbePath(ctx.Request.Path))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (ready: every check), <c>/alive</c> (live-tagged checks) and <c>/metrics</c>
    /// (Prometheus text). Unlike the Aspire template these are mapped in every environment, because
    /// Kubernetes probes and the AppHost use them in production too.
    /// </summary>
    public static IEndpointConventionBuilder[] MapDefaultEndpoints(this WebApplication app)
    {
        return
        [
            app.MapHealthChecks("/health"),
            app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }),
            app.MapPrometheusScrapingEndpoint("/metrics"),
        ];
    }

    private static bool IsProbePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/grpc.health.v1.Health"); // the AppHost's health checks poll this every 100 ms
}
