using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Engula.Server.Tests.Wire;

/// <summary>
/// gRPC without a gRPC library: HTTP/2 prior knowledge (h2c), <c>application/grpc</c>, and length-prefixed frames
/// (1 byte compressed flag, 4 bytes big-endian length, message), so a test controls and sees every byte on the wire.
/// </summary>
public static class RawGrpc
{
    public static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Posts <paramref name="messages"/> to <c>/package.Service/Method</c>; returns the raw response body
    /// and the grpc-status (from the trailers, or the headers of a trailers-only response).</summary>
    public static async Task<(byte[] Body, int Status)> CallAsync(string address, string path, params byte[][] messages)
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}{path}")
        {
            // h2c with prior knowledge, like tonic: no upgrade, no TLS.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(messages.SelectMany(Frame).ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.GetValues("grpc-status").Single();
        return (body, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture));
    }
}
