using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Telemetry;

/// <summary>
/// Sits between grpc-dotnet's balancer and the <see cref="SocketsHttpHandler"/>, where every call attempt is one
/// HTTP/2 request to one picked endpoint. It only observes: attempts, retries (grpc-dotnet adds
/// <c>grpc-previous-rpc-attempts</c> to a retried attempt) and transport failures. It never retries anything
/// itself — that would be a second retry layer under the gRPC one.
/// </summary>
internal sealed class AttemptObserverHandler(HttpMessageHandler inner, string target, DiscoveryMetrics metrics, ILogger logger)
    : DelegatingHandler(inner)
{
    private const string PreviousAttemptsHeader = "grpc-previous-rpc-attempts";

    // Every call passes here: without a metrics listener or debug logging it costs one branch.
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        metrics.AttemptsObserved || logger.IsEnabled(LogLevel.Debug)
            ? SendObservedAsync(request, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> SendObservedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var method = request.RequestUri?.AbsolutePath ?? "?";
        var previous = 0;
        if (request.Headers.TryGetValues(PreviousAttemptsHeader, out var values))
        {
            _ = int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out previous);
        }

        metrics.Attempt(target, method, previous > 0);
        if (previous > 0)
        {
            DiscoveryLog.Retrying(logger, method, target, previous + 1);
        }

        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            metrics.TransportFailure(target, method);
            DiscoveryLog.TransportFailure(logger, method, request.RequestUri?.Authority ?? "?", target, e.Message);
            throw;
        }
    }
}
