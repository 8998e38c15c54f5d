using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Engula.Server.Engine;

/// <summary>
/// The engine's WAL event (the <c>data</c> of one journal event in stream <c>DEFAULT</c>): one group commit.
/// Layout: <c>format u8 (1) · count u32 · count records · crc32 u32</c> (CRC-32 of everything before it).
/// The format is the engine's own: the journal stores it as opaque bytes.
/// </summary>
public static class WalCodec
{
    private const byte FormatVersion = 1;

    public static byte[] Encode(IReadOnlyList<WriteRecord> records)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + records.Sum(r => BinaryFormat.RecordSize(r)));
        var header = buffer.GetSpan(5);
        header[0] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)records.Count);
        buffer.Advance(5);
        foreach (var record in records)
        {
            BinaryFormat.WriteRecord(buffer, record);
        }

        var crc = Crc32.HashToUInt32(buffer.WrittenSpan);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.GetSpan(4), crc);
        buffer.Advance(4);
        return buffer.WrittenSpan.ToArray();
    }

    public static List<WriteRecord> Decode(ReadOnlySpan<byte> data)
    {
        const string What = "WAL event";
        if (data.Length < 9 || data[0] != FormatVersion)
        {
            throw new EngineCorruptedException($"{What}: unknown format (a WAL written by another engine?)");
        }

        var body = data[..^4];
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32BigEndian(data[^4..]))
        {
            throw new EngineCorruptedException($"{What}: checksum mismatch");
        }

        var offset = 1;
        var count = BinaryFormat.ReadUInt32(body, ref offset, What);
        var records = new List<WriteRecord>((int)Math.Min(count, 65536));
        for (var i = 0u; i < count; i++)
        {
            records.Add(BinaryFormat.ReadRecord(body, ref offset, What));
        }

        if (offset != body.Length)
        {
            throw new EngineCorruptedException($"{What}: {body.Length - offset} trailing bytes");
        }

        return records;
    }
}
