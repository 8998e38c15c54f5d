using Engula.DiscoveryShim;
using Grpc.Core;
using Grpc.Health.V1;

namespace Engula.Server.Cli;

/// <summary><c>engula health ADDR</c>: one <c>grpc.health.v1.Health/Check</c>, exit 0 on SERVING (for exec probes and scripts).</summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(string address, TimeSpan timeout, TextWriter output, CancellationToken cancellationToken)
    {
        using var channel = new EngulaChannelFactory().CreateChannel(address);
        var client = new Health.HealthClient(channel);
        try
        {
            var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);
            await output.WriteLineAsync(reply.Status.ToString());
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 1;
        }
        catch (RpcException e)
        {
            await output.WriteLineAsync($"{e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
    }
}
