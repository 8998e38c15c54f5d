using Engula.Server.Files;
using Engula.Server.Runtime;
using System.Text;
using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Journal;

/// <summary>The pieces of the file-journal format (<see cref="SegmentFormat"/>) on their own.</summary>
public sealed class SegmentFormatTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void Crc32C_matches_the_published_check_values(string input, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Crc32C_can_be_computed_in_pieces()
    {
        var data = new byte[1000];
        new Random(1).NextBytes(data);
        var state = Crc32C.Append(Crc32C.Seed, data.AsSpan(0, 3));
        state = Crc32C.Append(state, data.AsSpan(3, 500));
        state = Crc32C.Append(state, data.AsSpan(503));
        Assert.Equal(Crc32C.Compute(data), Crc32C.Finish(state));
    }

    [Fact]
    public void Segment_file_names_are_numbered_and_parse_back()
    {
        Assert.Equal("00000000000000000007.active", SegmentFormat.FileName(7, active: true));
        Assert.Equal("18446744073709551615.sealed", SegmentFormat.FileName(ulong.MaxValue, active: false));
        Assert.True(SegmentFormat.TryParseFileName("00000000000000000042.sealed", out var number, out var active));
        Assert.Equal((42UL, false), (number, active));
        foreach (var bad in new[] { "Timestamp(42)", "42.sealed", "0000000000000000004x.active", "00000000000000000042.tmp", "00000000000000000042.active.bak", "99999999999999999999.active" })
        {
            Assert.False(SegmentFormat.TryParseFileName(bad, out _, out _), bad);
        }
    }

    [Fact]
    public void Headers_round_trip_and_reject_damage()
    {
        var header = SegmentFormat.EncodeHeader(5, previousLastTs: 1234);
        Assert.Null(SegmentFormat.TryDecodeHeader(header, 5, out var previous));
        Assert.Equal(1234UL, previous);

        Assert.Null(SegmentFormat.TryDecodeHeader(SegmentFormat.EncodeHeader(1, previousLastTs: null), 1, out var none));
        Assert.Null(none);

        Assert.NotNull(SegmentFormat.TryDecodeHeader(header, 6, out _));
        Assert.NotNull(SegmentFormat.TryDecodeHeader(header.AsSpan(0, 20), 5, out _));
        header[17] ^= 1;
        Assert.Contains("checksum", SegmentFormat.TryDecodeHeader(header, 5, out _), StringComparison.Ordinal);
    }

    [Fact]
    public void Record_checksums_cover_length_timestamp_and_data()
    {
        var data = "payload"u8.ToArray();
        var header = new byte[SegmentFormat.RecordHeaderSize];
        SegmentFormat.EncodeRecordHeader(header, 99, data);
        Assert.Equal((7, 99UL), (SegmentFormat.DecodeRecordHeader(header).Length, SegmentFormat.DecodeRecordHeader(header).Ts));
        Assert.True(SegmentFormat.RecordChecksumMatches(header, data));

        for (var i = 4; i < header.Length; i++)
        {
            var damaged = (byte[])header.Clone();
            damaged[i] ^= 0x10;
            Assert.False(SegmentFormat.RecordChecksumMatches(damaged, data), $"header byte {i}");
        }

        data[3] ^= 0x01;
        Assert.False(SegmentFormat.RecordChecksumMatches(header, data));
    }

    [Fact]
    public void An_all_zero_record_header_never_verifies()
    {
        // Zeros written ahead of the records (the zero tail) must end a scan, never read as an empty event at ts 0.
        var zeros = new byte[SegmentFormat.RecordHeaderSize];
        Assert.Equal((0, 0UL), (SegmentFormat.DecodeRecordHeader(zeros).Length, SegmentFormat.DecodeRecordHeader(zeros).Ts));
        Assert.False(SegmentFormat.RecordChecksumMatches(zeros, []));
    }

    [Fact]
    public void Footers_round_trip_and_reject_damage()
    {
        var footer = SegmentFormat.EncodeFooter(3, 10, 30, 4096);
        Assert.Equal(new SegmentFooter(3, 10, 30, 4096), SegmentFormat.TryDecodeFooter(footer));
        footer[20] ^= 0x80;
        Assert.Null(SegmentFormat.TryDecodeFooter(footer));
        Assert.Null(SegmentFormat.TryDecodeFooter(new byte[SegmentFormat.FooterSize]));
    }

    [Fact]
    public void Directory_fsync_works_on_a_directory_and_reports_a_missing_one()
    {
        using var directory = new TempDirectory();
        DirectorySync.Fsync(directory.Path);
        Assert.Throws<IOException>(() => DirectorySync.Fsync(Path.Combine(directory.Path, "missing")));
    }
}
