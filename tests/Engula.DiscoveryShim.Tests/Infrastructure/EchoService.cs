using Engula.Test.V1;
using Grpc.Core;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>The test-only <c>engula.test.v1.Echo</c> service: bidi and client streaming.</summary>
public sealed class EchoService(string backend) : Echo.EchoBase
{
    public override async Task Chat(IAsyncStreamReader<EchoMessage> requestStream, IServerStreamWriter<EchoMessage> responseStream, ServerCallContext context)
    {
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new EchoMessage { Text = $"{backend}:{message.Text}" }, context.CancellationToken);
        }
    }

    public override async Task<EchoMessage> Collect(IAsyncStreamReader<EchoMessage> requestStream, ServerCallContext context)
    {
        var texts = new List<string>();
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            texts.Add(message.Text);
        }

        return new EchoMessage { Text = string.Join("+", texts) };
    }
}
