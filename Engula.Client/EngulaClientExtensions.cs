using Engula.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers <see cref="EngulaClient"/> in a service that an AppHost wired with <c>WithReference(engine)</c>.</summary>
public static class EngulaClientExtensions
{
    /// <summary>
    /// Adds <see cref="EngulaClient"/> for the engine named <paramref name="connectionName"/>: its address is
    /// <c>ConnectionStrings:&lt;name&gt;</c> (what <c>WithReference(engine)</c> sets), else <c>http://&lt;name&gt;</c>
    /// through service discovery (<c>services:&lt;name&gt;:http:0</c>). The HttpClient gets service discovery and the
    /// standard resilience handler with retries only for gets and deletes — a put that failed after it reached the engine
    /// may have been applied, so it is never retried blindly (the exception's <see cref="EngulaClientException.Outcome"/>
    /// tells the caller what it may do) — and a health check <c>engula_&lt;name&gt;</c> asks the engine's <c>/health</c>.
    /// </summary>
    /// <returns>The HttpClient builder, for more handlers.</returns>
    public static IHttpClientBuilder AddEngulaClient(this IHostApplicationBuilder builder, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var address = builder.Configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString
            ? new Uri(connectionString)
            : new Uri($"http://{connectionName}");

        builder.Services.AddServiceDiscovery();
        var client = builder.Services.AddHttpClient<EngulaClient>(http => http.BaseAddress = address);
        client.AddServiceDiscovery();
        client.AddStandardResilienceHandler(options =>
        {
            // Puts change state: a repeat after a lost answer is not harmless to reason about. Gets and deletes are.
            options.Retry.DisableFor(HttpMethod.Put, HttpMethod.Post, HttpMethod.Patch);

            // The engine waits up to its write timeout (10 s by default) for the journal: let a put wait that long.
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(15);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(60);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "engula_" + connectionName,
            services => new EngulaHealthCheck(services.GetRequiredService<IHttpClientFactory>()),
            failureStatus: null,
            tags: ["ready"]));
        return client;
    }

    /// <summary>Healthy when the engine answers <c>/health</c> with 200 (it is recovered and can make writes durable).</summary>
    private sealed class EngulaHealthCheck(IHttpClientFactory factory) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // The typed client's own HttpClient: same address, service discovery and handlers.
                using var http = factory.CreateClient(nameof(EngulaClient));
                using var response = await http.GetAsync("/health", cancellationToken).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return response.IsSuccessStatusCode
                    ? HealthCheckResult.Healthy($"{http.BaseAddress} /health 200")
                    : HealthCheckResult.Unhealthy($"{http.BaseAddress} /health {(int)response.StatusCode} {body}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"the engine does not answer: {e.Message}");
            }
        }
    }
}
