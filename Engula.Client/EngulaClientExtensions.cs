using System.Net.Sockets;
using Engula.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers <see cref="EngulaClient"/> in a service that an AppHost wired with <c>WithReference(engine)</c>.</summary>
public static class EngulaClientExtensions
{
    /// <summary>
    /// Adds <see cref="EngulaClient"/> for the engine named <paramref name="connectionName"/>: its address is
    /// <c>ConnectionStrings:&lt;name&gt;</c> (what <c>WithReference(engine)</c> sets), else <c>http://&lt;name&gt;</c>
    /// through service discovery (<c>services:&lt;name&gt;:http:0</c>). The HttpClient gets service discovery and the
    /// standard resilience handler (in place of any the service's defaults gave every HttpClient), which retries gets and
    /// deletes on transient failures but a put only when its connection was never established — a put that failed after
    /// it reached the engine may have been applied, so it is never retried blindly (the exception's
    /// <see cref="EngulaClientException.Outcome"/> tells the caller what it may do) — and a health check
    /// <c>engula_&lt;name&gt;</c> asks the engine's <c>/health</c>.
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

        // A service's defaults (AddServiceDefaults: ConfigureHttpClientDefaults) give every HttpClient a standard
        // resilience handler that retries any method on a 5xx or a timeout: under this client's own it would repeat puts
        // the engine may have applied. This client's retries are the ones below, so any earlier handler goes.
        // The API is marked experimental (EXTEXP0001) but is the documented way to replace a default resilience handler.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler(options =>
        {
            // Gets and deletes are idempotent: any transient failure is retried. A put changes state, and a repeat after
            // a lost answer is not harmless to reason about — except when the request never left this process: if the
            // TCP connection was never established, the engine cannot have seen the put, so sending it again is as safe
            // as sending it the first time (an engine starting up or restarting refuses connections for a moment).
            var transient = options.Retry.ShouldHandle;
            options.Retry.ShouldHandle = async args =>
                await transient(args).ConfigureAwait(false)
                && (!IsWrite(args.Context.GetRequestMessage()) || NeverReachedTheEngine(args.Outcome.Exception));

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

    /// <summary>Puts (and any other method that is not idempotent); a request the handler cannot see counts as one.</summary>
    private static bool IsWrite(HttpRequestMessage? request) =>
        request is null || request.Method == HttpMethod.Put || request.Method == HttpMethod.Post || request.Method == HttpMethod.Patch;

    /// <summary>
    /// True only for a failure to establish the connection: SocketsHttpHandler reports
    /// <see cref="HttpRequestError.ConnectionError"/> when connecting fails (refused, unreachable), before
    /// a byte of the request is written; a connection lost after that is <c>ResponseEnded</c> or an I/O error, and a
    /// timed-out attempt is a <c>TimeoutRejectedException</c>, neither of which says whether the engine saw the put.
    /// </summary>
    private static bool NeverReachedTheEngine(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                or SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
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
