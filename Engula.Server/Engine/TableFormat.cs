using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Engula.Server.Engine;

/// <summary>
/// A table (one storage object): <c>"ENGTBL01" · records in ascending key order · count u32 · crc32 u32 · "ENGTEND1"</c>.
/// The CRC-32 covers every byte before it, so a truncated or altered table is refused (the
/// original engine silently accepted a truncated tail).
/// </summary>
public static class TableFormat
{
    private static ReadOnlySpan<byte> HeaderMagic => "ENGTBL01"u8;

    private static ReadOnlySpan<byte> FooterMagic => "ENGTEND1"u8;

    /// <summary>Encodes entries that are already sorted by key with unique keys.</summary>
    public static byte[] Write(IReadOnlyList<WriteRecord> sortedEntries)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + sortedEntries.Sum(r => BinaryFormat.RecordSize(r)));
        buffer.Write(HeaderMagic);
        foreach (var record in sortedEntries)
        {
            BinaryFormat.WriteRecord(buffer, record);
        }

        var footer = buffer.GetSpan(16);
        BinaryPrimitives.WriteUInt32BigEndian(footer, (uint)sortedEntries.Count);
        buffer.Advance(4);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.GetSpan(4), Crc32.HashToUInt32(buffer.WrittenSpan));
        buffer.Advance(4);
        buffer.Write(FooterMagic);
        return buffer.WrittenSpan.ToArray();
    }

    public static List<WriteRecord> Read(ReadOnlySpan<byte> table, string name)
    {
        var what = $"table '{name}'";
        if (table.Length < HeaderMagic.Length + 16 || !table[..8].SequenceEqual(HeaderMagic) || !table[^8..].SequenceEqual(FooterMagic))
        {
            throw new EngineCorruptedException($"{what}: not an engine table or truncated");
        }

        var crcOffset = table.Length - 12;
        if (Crc32.HashToUInt32(table[..crcOffset]) != BinaryPrimitives.ReadUInt32BigEndian(table[crcOffset..]))
        {
            throw new EngineCorruptedException($"{what}: checksum mismatch");
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(table[(crcOffset - 4)..]);
        var body = table[..(crcOffset - 4)];
        var offset = HeaderMagic.Length;
        var records = new List<WriteRecord>((int)Math.Min(count, 1 << 20));
        for (var i = 0u; i < count; i++)
        {
            records.Add(BinaryFormat.ReadRecord(body, ref offset, what));
        }

        if (offset != body.Length)
        {
            throw new EngineCorruptedException($"{what}: record count does not match its content");
        }

        return records;
    }
}
