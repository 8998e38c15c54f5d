using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Grpc.Core;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>The bits of the gRPC-over-HTTP/2 wire format the forwarder handles itself: length-prefixed
/// messages, <c>grpc-timeout</c>, <c>grpc-message</c> percent-encoding and binary metadata.</summary>
internal static class GrpcWire
{
    public const int HeaderSize = 5;

    /// <summary>Takes one complete message off the front of <paramref name="buffer"/>, if it holds one.</summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxSize, out bool compressed, out byte[] payload)
    {
        compressed = false;
        payload = [];
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new ForwardingException(StatusCode.Internal, $"malformed gRPC message: compressed flag {header[0]}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new ForwardingException(StatusCode.ResourceExhausted, $"request message of {length} bytes exceeds the limit of {maxSize} bytes");
        }

        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        compressed = header[0] == 1;
        payload = buffer.Slice(HeaderSize, length).ToArray();
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    public static void WriteMessage(IBufferWriter<byte> writer, byte[] payload)
    {
        var header = writer.GetSpan(HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)payload.Length);
        writer.Advance(HeaderSize);
        writer.Write(payload);
    }

    /// <summary>Decompresses a message sent with <c>grpc-encoding</c> gzip or deflate, bounded by <paramref name="maxSize"/>.</summary>
    public static byte[] Decompress(byte[] data, string encoding, int maxSize)
    {
        using var input = new MemoryStream(data);
        using Stream inflater = encoding switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "deflate" => new ZLibStream(input, CompressionMode.Decompress),
            _ => throw new ForwardingException(StatusCode.Unimplemented, $"message encoding '{encoding}' is not supported"),
        };
        using var output = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = inflater.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new ForwardingException(StatusCode.ResourceExhausted, $"decompressed request message exceeds the limit of {maxSize} bytes");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new ForwardingException(StatusCode.Internal, $"malformed {encoding} message: {e.Message}");
        }

        return output.ToArray();
    }

    /// <summary>Parses <c>grpc-timeout</c> (1–8 digits and a unit H, M, S, m, u, n).</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9
            || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? ticks = value[^1] switch
        {
            'H' => amount * (double)TimeSpan.TicksPerHour,
            'M' => amount * (double)TimeSpan.TicksPerMinute,
            'S' => amount * (double)TimeSpan.TicksPerSecond,
            'm' => amount * (double)TimeSpan.TicksPerMillisecond,
            'u' => amount * (double)TimeSpan.TicksPerMicrosecond,
            'n' => amount / 100.0,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks((long)Math.Min(ticks.Value, TimeSpan.FromDays(365).Ticks));
        return true;
    }

    /// <summary>Percent-encodes a status message as the gRPC spec requires for <c>grpc-message</c>.</summary>
    public static string EncodeStatusMessage(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes a binary header value; senders may omit the base64 padding.</summary>
    public static byte[] DecodeBinaryHeader(string value)
    {
        var text = value.Trim();
        var padding = (4 - (text.Length % 4)) % 4;
        return Convert.FromBase64String(padding == 0 ? text : text + new string('=', padding));
    }
}
