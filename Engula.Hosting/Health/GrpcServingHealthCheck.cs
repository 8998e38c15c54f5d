using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engula.Hosting.Health;

/// <summary>
/// Asks the component's <c>grpc.health.v1.Health</c> service (overall status, service name "") and reports
/// Healthy on SERVING. The kernel answers NOT_SERVING until its journal and storage answer.
/// Each probe uses a new channel with a connect timeout: a long-lived channel would sit in its reconnect
/// back-off after the component restarts and report a restarted server as down for seconds.
/// </summary>
internal sealed class GrpcServingHealthCheck(Func<Uri> address, TimeSpan window, TimeSpan step, TimeSpan probeTimeout)
    : PollingHealthCheck(window, step, probeTimeout)
{
    public GrpcServingHealthCheck(Func<Uri> address)
        : this(address, DefaultWindow, DefaultStep, DefaultProbeTimeout)
    {
    }

    protected override async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        // Read lazily: the endpoint's address exists only once DCP has allocated it.
        var uri = address();
        using var handler = new SocketsHttpHandler { ConnectTimeout = ProbeTimeout };
        using var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var client = new Grpc.Health.V1.Health.HealthClient(channel);
        try
        {
            var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + ProbeTimeout, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? new ProbeResult(true, $"{uri} SERVING")
                : new ProbeResult(false, $"{uri} {reply.Status}");
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, $"{uri} {e.StatusCode}: {e.Status.Detail}", e);
        }
    }
}
