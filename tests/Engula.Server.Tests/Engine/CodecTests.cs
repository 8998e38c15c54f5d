using Engula.Server.Engine;

namespace Engula.Server.Tests.Engine;

public sealed class CodecTests
{
    private static readonly WriteRecord[] Sample =
    [
        new("a"u8.ToArray(), "1"u8.ToArray()),
        new("b"u8.ToArray(), null),
        new("c"u8.ToArray(), []),
    ];

    [Fact]
    public void A_WAL_event_round_trips_puts_deletes_and_empty_values()
    {
        var decoded = WalCodec.Decode(WalCodec.Encode(Sample));

        Assert.Equal(Sample.Length, decoded.Count);
        for (var i = 0; i < Sample.Length; i++)
        {
            Assert.Equal(Sample[i].Key, decoded[i].Key);
            Assert.Equal(Sample[i].Value, decoded[i].Value);
        }
    }

    [Fact]
    public void A_damaged_or_truncated_WAL_event_is_refused()
    {
        var bytes = WalCodec.Encode(Sample);
        var flipped = (byte[])bytes.Clone();
        flipped[7] ^= 0x40;

        Assert.Throws<EngineCorruptedException>(() => WalCodec.Decode(flipped));
        Assert.Throws<EngineCorruptedException>(() => WalCodec.Decode(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<EngineCorruptedException>(() => WalCodec.Decode(new byte[9]));
        // A record of the original Rust engine (kind 0, u64 lengths) is not mistaken for ours.
        Assert.Throws<EngineCorruptedException>(() => WalCodec.Decode([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 7, 8]));
    }

    [Fact]
    public void A_table_round_trips_and_any_truncation_or_bit_flip_is_detected()
    {
        var table = TableFormat.Write(Sample);

        Assert.Equal(Sample.Select(r => r.Key), TableFormat.Read(table, "1").Select(r => r.Key));
        for (var cut = 1; cut < table.Length; cut += 3)
        {
            Assert.Throws<EngineCorruptedException>(() => TableFormat.Read(table.AsSpan(0, table.Length - cut), "1"));
        }

        for (var i = 0; i < table.Length; i++)
        {
            var damaged = (byte[])table.Clone();
            damaged[i] ^= 0x01;
            Assert.Throws<EngineCorruptedException>(() => TableFormat.Read(damaged, "1"));
        }
    }
}
