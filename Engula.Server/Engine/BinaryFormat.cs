using System.Buffers;
using System.Buffers.Binary;

namespace Engula.Server.Engine;

/// <summary>The record layout shared by WAL events and tables: <c>kind u8 · key_len u32 · key · [value_len u32 · value]</c>
/// (big-endian; kind 0 = value, 1 = tombstone).</summary>
internal static class BinaryFormat
{
    public const byte ValueKind = 0;
    public const byte TombstoneKind = 1;

    public static int RecordSize(in WriteRecord record) => 1 + 4 + record.Key.Length + (record.Value is null ? 0 : 4 + record.Value.Length);

    public static void WriteRecord(IBufferWriter<byte> writer, in WriteRecord record)
    {
        var span = writer.GetSpan(RecordSize(record));
        span[0] = record.Value is null ? TombstoneKind : ValueKind;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)record.Key.Length);
        record.Key.CopyTo(span[5..]);
        var offset = 5 + record.Key.Length;
        if (record.Value is not null)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[offset..], (uint)record.Value.Length);
            record.Value.CopyTo(span[(offset + 4)..]);
        }

        writer.Advance(RecordSize(record));
    }

    public static WriteRecord ReadRecord(ReadOnlySpan<byte> buffer, ref int offset, string what)
    {
        var kind = ReadByte(buffer, ref offset, what);
        var key = ReadBytes(buffer, ref offset, what);
        return kind switch
        {
            ValueKind => new WriteRecord(key, ReadBytes(buffer, ref offset, what)),
            TombstoneKind => new WriteRecord(key, null),
            _ => throw new EngineCorruptedException($"{what}: invalid record kind {kind}"),
        };
    }

    public static uint ReadUInt32(ReadOnlySpan<byte> buffer, ref int offset, string what)
    {
        if (buffer.Length - offset < 4)
        {
            throw new EngineCorruptedException($"{what}: truncated");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(buffer[offset..]);
        offset += 4;
        return value;
    }

    private static byte ReadByte(ReadOnlySpan<byte> buffer, ref int offset, string what)
    {
        if (offset >= buffer.Length)
        {
            throw new EngineCorruptedException($"{what}: truncated");
        }

        return buffer[offset++];
    }

    private static byte[] ReadBytes(ReadOnlySpan<byte> buffer, ref int offset, string what)
    {
        var length = ReadUInt32(buffer, ref offset, what);
        if (length > (uint)(buffer.Length - offset))
        {
            throw new EngineCorruptedException($"{what}: length {length} exceeds the buffer");
        }

        var bytes = buffer.Slice(offset, (int)length).ToArray();
        offset += (int)length;
        return bytes;
    }
}
