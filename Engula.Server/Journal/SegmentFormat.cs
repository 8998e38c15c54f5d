using System.Buffers.Binary;
using System.Globalization;

namespace Engula.Server.Journal;

/// <summary>
/// On-disk format of the file journal (<c>engula journal run … --file ROOT</c>). It replaces the original's
/// (unchecksummed, not fsynced) with: checksummed records, fsync before acknowledging, atomic seals,
/// numbered segment names, and a torn tail repaired at start-up instead of making the stream unusable.
/// <code>
/// ROOT/streams/&lt;stream&gt;/               one directory per stream (name validated: no '/', '\', NUL, '.', '..')
/// ROOT/streams/&lt;stream&gt;/NNNNNNNNNNNNNNNNNNNN.sealed   sealed segments, N = segment number (20 decimal digits)
/// ROOT/streams/&lt;stream&gt;/NNNNNNNNNNNNNNNNNNNN.active   the one active segment: the highest number
/// ROOT/tmp/                             staging for CreateStream/DeleteStream; emptied at start-up
///
/// All integers are big-endian.
/// Segment header (32 bytes, at offset 0 of every segment):
///   0  8  magic "ENGJSEG1"
///   8  8  segment number (same as in the file name)
///  16  8  previous last ts: the stream's last timestamp when this segment was created
///  24  4  flags: bit 0 = "previous last ts" is present (false only for the first segment of a stream)
///  28  4  CRC-32C of bytes 0..28
/// Record (16 bytes + data), from offset 32, timestamps strictly increasing across the stream:
///   0  4  CRC-32C of bytes 4..16+n (length, ts and data)
///   4  4  n = data length
///   8  8  ts
///  16  n  data
/// Footer (36 bytes, only in sealed segments, right after the last record):
///   0  4  magic "EJFT"
///   4  4  record count (at least 1)
///   8  8  first ts
///  16  8  last ts
///  24  8  data end = offset of this footer
///  32  4  CRC-32C of bytes 0..32
/// </code>
/// Append: records of a batch are written at the committed end of the active segment with one pwritev, then one
/// fsync acknowledges the whole batch (group commit). Zero tail: when a batch would extend the file, the same pwritev
/// also writes up to 1 MiB of zeros after it (never past the segment size), so that later batches overwrite blocks the
/// file already has and their fsync need not flush a new file size. An all-zero record header never verifies (its
/// checksum is not zero), so zeros end the records; a clean stop and a roll truncate them. Roll (once the active segment reaches the segment size):
/// write the footer, fsync, rename <c>N.active</c> → <c>N.sealed</c>, create <c>N+1.active</c> (header carrying the
/// last ts, fsync), fsync the directory. Release deletes sealed segments whose last ts is below the bound; the
/// active segment is never deleted, so its header (or its last record) always holds the stream's last timestamp,
/// which is how timestamps stay increasing after release and restart. Recovery scans the active segment: the first
/// record that is incomplete, fails its checksum or does not increase the timestamp ends it; unless only zeros follow
/// (a zero tail, kept), the file is truncated there (a valid footer in that place means a seal was interrupted before its rename, which recovery completes).
/// </summary>
internal static class SegmentFormat
{
    public const int HeaderSize = 32;
    public const int RecordHeaderSize = 16;
    public const int FooterSize = 36;
    public const string ActiveExtension = ".active";
    public const string SealedExtension = ".sealed";

    /// <summary>Largest event payload a record can carry (gRPC messages are below 2 GiB anyway).</summary>
    public const int MaxDataLength = int.MaxValue - 1024;

    private const int NumberDigits = 20;
    private const uint FlagHasPreviousTs = 1;
    private static ReadOnlySpan<byte> HeaderMagic => "ENGJSEG1"u8;
    private static ReadOnlySpan<byte> FooterMagic => "EJFT"u8;

    public static string FileName(ulong number, bool active) =>
        number.ToString("D" + NumberDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + (active ? ActiveExtension : SealedExtension);

    /// <summary>Parses a segment file name; false for anything else.</summary>
    public static bool TryParseFileName(string fileName, out ulong number, out bool active)
    {
        number = 0;
        active = fileName.EndsWith(ActiveExtension, StringComparison.Ordinal);
        var sealedFile = fileName.EndsWith(SealedExtension, StringComparison.Ordinal);
        if (!active && !sealedFile)
        {
            return false;
        }

        var digits = fileName.AsSpan(0, fileName.Length - (active ? ActiveExtension.Length : SealedExtension.Length));
        return digits.Length == NumberDigits
            && !digits.ContainsAnyExceptInRange('0', '9')
            && ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    public static byte[] EncodeHeader(ulong number, ulong? previousLastTs)
    {
        var header = new byte[HeaderSize];
        HeaderMagic.CopyTo(header);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), number);
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), previousLastTs ?? 0);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), previousLastTs.HasValue ? FlagHasPreviousTs : 0);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(28), Crc32C.Compute(header.AsSpan(0, 28)));
        return header;
    }

    /// <summary>Validates a header; returns the reason it is invalid, or null.</summary>
    public static string? TryDecodeHeader(ReadOnlySpan<byte> header, ulong expectedNumber, out ulong? previousLastTs)
    {
        previousLastTs = null;
        if (header.Length < HeaderSize)
        {
            return "file shorter than the segment header";
        }

        if (!header[..8].SequenceEqual(HeaderMagic))
        {
            return "bad header magic";
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(header[28..]) != Crc32C.Compute(header[..28]))
        {
            return "header checksum mismatch";
        }

        var number = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
        if (number != expectedNumber)
        {
            return $"header names segment {number}";
        }

        if ((BinaryPrimitives.ReadUInt32BigEndian(header[24..]) & FlagHasPreviousTs) != 0)
        {
            previousLastTs = BinaryPrimitives.ReadUInt64BigEndian(header[16..]);
        }

        return null;
    }

    /// <summary>Fills a record header for <paramref name="data"/>, including its checksum.</summary>
    public static void EncodeRecordHeader(Span<byte> destination, ulong ts, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)data.Length);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], ts);
        var crc = Crc32C.Append(Crc32C.Seed, destination[4..RecordHeaderSize]);
        crc = Crc32C.Append(crc, data);
        BinaryPrimitives.WriteUInt32BigEndian(destination, Crc32C.Finish(crc));
    }

    public static (uint Crc, int Length, ulong Ts) DecodeRecordHeader(ReadOnlySpan<byte> header) =>
        (BinaryPrimitives.ReadUInt32BigEndian(header), (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header[4..]), int.MaxValue), BinaryPrimitives.ReadUInt64BigEndian(header[8..]));

    /// <summary>True when the stored checksum matches the record header and data.</summary>
    public static bool RecordChecksumMatches(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        var crc = Crc32C.Append(Crc32C.Seed, header[4..RecordHeaderSize]);
        crc = Crc32C.Append(crc, data);
        return Crc32C.Finish(crc) == BinaryPrimitives.ReadUInt32BigEndian(header);
    }

    public static byte[] EncodeFooter(int recordCount, ulong firstTs, ulong lastTs, long dataEnd)
    {
        var footer = new byte[FooterSize];
        FooterMagic.CopyTo(footer);
        BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(4), (uint)recordCount);
        BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(8), firstTs);
        BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(16), lastTs);
        BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(24), (ulong)dataEnd);
        BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(32), Crc32C.Compute(footer.AsSpan(0, 32)));
        return footer;
    }

    /// <summary>Decodes a footer; null when it is not a valid footer.</summary>
    public static SegmentFooter? TryDecodeFooter(ReadOnlySpan<byte> footer)
    {
        if (footer.Length != FooterSize
            || !footer[..4].SequenceEqual(FooterMagic)
            || BinaryPrimitives.ReadUInt32BigEndian(footer[32..]) != Crc32C.Compute(footer[..32]))
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(footer[4..]);
        var dataEnd = BinaryPrimitives.ReadUInt64BigEndian(footer[24..]);
        if (count == 0 || count > int.MaxValue || dataEnd > long.MaxValue)
        {
            return null;
        }

        return new SegmentFooter((int)count, BinaryPrimitives.ReadUInt64BigEndian(footer[8..]), BinaryPrimitives.ReadUInt64BigEndian(footer[16..]), (long)dataEnd);
    }
}
