using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>Journal timestamps on the wire: exactly 8 bytes, u64 big-endian, as the original.</summary>
internal static class JournalTimestamp
{
    public const int Size = 8;

    /// <summary>Decodes a wire timestamp. Any other length is INVALID_ARGUMENT (the original answered UNKNOWN
    /// "malformed bytes"; the client's argument is what is wrong, so this says so).</summary>
    public static ulong Decode(ByteString ts)
    {
        if (ts.Length != Size)
        {
            throw new JournalException(StatusCode.InvalidArgument, $"malformed timestamp: expected {Size} bytes (u64 big-endian), got {ts.Length}");
        }

        return BinaryPrimitives.ReadUInt64BigEndian(ts.Span);
    }

    public static ByteString Encode(ulong ts)
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ts);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }
}
