using System.Collections.Frozen;
using Grpc.Core;

namespace Engula.DiscoveryShim.Transport;

/// <summary>
/// Makes the request body of a call under the retry policy safe to send twice on the HTTP level.
/// <para>
/// <see cref="SocketsHttpHandler"/> re-sends a request on a new connection when the server's GOAWAY says the
/// request's stream was never processed (its id is above the GOAWAY's last stream id): a graceful shutdown, or
/// Kestrel ending a connection over a protocol error of another stream (seen here: the client cancelling a
/// rejected upload sends DATA after its own RST_STREAM, Kestrel answers GOAWAY STREAM_CLOSED). Re-sending calls
/// the request content's serialisation a second time. grpc-dotnet's content for a <em>retried</em> unary or
/// server-streaming call then writes nothing — its retry call thinks the attempt's message is already written
/// (grpc/grpc-dotnet#1778) — so the server reads an empty body and fails the call with INTERNAL
/// "Incomplete message.", which is not retried. Buffering the body first makes HttpClient copy the same bytes
/// on every send. Only those calls: their one request message is complete before the request is sent (so
/// buffering delays nothing), and calls without the retry policy use grpc-dotnet's plain content, which
/// serialises the message again correctly. The sidecar forwards these methods as duplex calls on the same paths;
/// their body is buffered too and is complete once the caller's single request message and end of stream arrived
/// (<c>SidecarTests.A_forwarded_call_that_a_GOAWAY_refused_is_sent_again_whole</c>).
/// </para>
/// </summary>
internal sealed class RetriedRequestBufferingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    // The paths of every retried method that sends one request message (unary and server-streaming).
    private static readonly FrozenSet<string> BufferedPaths = EngulaCallClassification.Methods
        .Where(m => m.RetryOnUnavailable && m.Type is MethodType.Unary or MethodType.ServerStreaming)
        .Select(m => m.Path)
        .ToFrozenSet(StringComparer.Ordinal);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Content is not null && request.RequestUri is { } uri && BufferedPaths.Contains(uri.AbsolutePath)
            ? SendBufferedAsync(request, request.Content, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> SendBufferedAsync(HttpRequestMessage request, HttpContent content, CancellationToken cancellationToken)
    {
        await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
