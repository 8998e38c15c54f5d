using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engula.Hosting;

/// <summary>
/// Prints to the AppHost's console when each Engula component becomes healthy and when the whole cluster is
/// ready, with the engine's address. Aspire itself shows resource states only in the dashboard; a user who
/// just ran <c>dotnet run --project Engula.AppHost</c> (and the start-up benchmark) learns here when
/// <c>curl …/put</c> will work. Started from <see cref="BeforeStartEvent"/>, before any resource is created, so
/// the lines come in the order things happen (a hosted service would start only after Aspire's orchestrator
/// has created every resource, i.e. after the WaitFor chain).
/// </summary>
internal sealed partial class EngulaReadinessReporter(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ILogger<EngulaReadinessReporter> logger)
{
    /// <summary>Subscribes the reporter once per application builder (run mode only).</summary>
    public static void Register(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode || builder.Services.Any(d => d.ServiceType == typeof(EngulaReadinessReporter)))
        {
            return;
        }

        builder.Services.AddSingleton<EngulaReadinessReporter>();
        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            var reporter = e.Services.GetRequiredService<EngulaReadinessReporter>();
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => reporter.RunAsync(stopping), stopping);
            return Task.CompletedTask;
        });
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // A component that runs from an image is represented in the model by its container (RunFromImage).
        var servers = model.Resources
            .Select(r => r as EngulaServerResource ?? (r as EngulaServerContainerResource)?.Server)
            .OfType<EngulaServerResource>()
            .ToDictionary(r => r.Name, StringComparer.Ordinal);
        if (servers.Count == 0)
        {
            return;
        }

        var healthy = new HashSet<string>(StringComparer.Ordinal);
        var clusterReported = false;
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!servers.TryGetValue(e.Resource.Name, out var server))
                {
                    continue;
                }

                var isHealthy = e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy;
                if (isHealthy && healthy.Add(server.Name))
                {
                    LogComponentHealthy(logger, server.Name, server.Component, SafeUrl(server.PrimaryEndpoint));
                }
                else if (!isHealthy && healthy.Remove(server.Name))
                {
                    LogComponentNotHealthy(logger, server.Name, e.Snapshot.State?.Text ?? "unknown", e.Snapshot.HealthStatus?.ToString() ?? "unknown");
                }

                if (!clusterReported && healthy.Count == servers.Count)
                {
                    clusterReported = true;
                    foreach (var engine in servers.Values.OfType<EngulaEngineResource>())
                    {
                        LogClusterReady(logger, engine.Name, SafeUrl(engine.HttpEndpoint).TrimEnd('/'));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static string SafeUrl(EndpointReference endpoint) => endpoint.IsAllocated ? endpoint.Url : "(not allocated)";

    [LoggerMessage(Level = LogLevel.Information, Message = "Engula {Component} '{Resource}' is healthy at {Url}")]
    private static partial void LogComponentHealthy(ILogger logger, string resource, string component, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Engula '{Resource}' is no longer healthy (state {State}, health {Health})")]
    private static partial void LogComponentNotHealthy(ILogger logger, string resource, string state, string health);

    [LoggerMessage(Level = LogLevel.Information, Message = "Engula cluster is ready: engine '{Engine}' at {Url} (try: curl \"{Url}/put?key=1&value=111\" and curl \"{Url}/get?key=1\")")]
    private static partial void LogClusterReady(ILogger logger, string engine, string url);
}
