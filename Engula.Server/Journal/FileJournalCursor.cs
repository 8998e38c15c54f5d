using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Journal;

/// <summary>
/// Reads a file-journal snapshot: the segments opened by <see cref="FileJournalStream.OpenCursor"/>, in order, each up
/// to its recorded end, verifying every returned record's checksum. Records below the start timestamp are skipped
/// without reading their data.
/// </summary>
internal sealed class FileJournalCursor(string stream, List<SegmentCursorPart> parts, ulong fromTs) : IJournalCursor
{
    private readonly byte[] _header = new byte[SegmentFormat.RecordHeaderSize];
    private int _index;
    private FileStream? _reader;
    private long _position;

    public async ValueTask<JournalEvent?> NextAsync(CancellationToken cancellationToken)
    {
        while (_index < parts.Count)
        {
            var part = parts[_index];
            if (_reader is null)
            {
                _reader = new FileStream(part.Handle, FileAccess.Read, bufferSize: 1 << 16);
                _position = _reader.Seek(SegmentFormat.HeaderSize, SeekOrigin.Begin);
            }

            if (_position >= part.End)
            {
                await _reader.DisposeAsync();
                _reader = null;
                _index++;
                continue;
            }

            if (part.End - _position < SegmentFormat.RecordHeaderSize)
            {
                throw Corrupt(part, "truncated record header");
            }

            await _reader.ReadExactlyAsync(_header, cancellationToken);
            var (_, length, ts) = SegmentFormat.DecodeRecordHeader(_header);
            if (length > part.End - _position - SegmentFormat.RecordHeaderSize)
            {
                throw Corrupt(part, "record longer than the segment");
            }

            if (ts < fromTs)
            {
                _position = _reader.Seek(length, SeekOrigin.Current);
                continue;
            }

            var data = new byte[length];
            await _reader.ReadExactlyAsync(data, cancellationToken);
            if (!SegmentFormat.RecordChecksumMatches(_header, data))
            {
                throw Corrupt(part, "record checksum mismatch");
            }

            _position += SegmentFormat.RecordHeaderSize + length;
            return new JournalEvent(ts, UnsafeByteOperations.UnsafeWrap(data));
        }

        return null;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        foreach (var part in parts)
        {
            part.Handle.Dispose();
        }
    }

    private JournalException Corrupt(SegmentCursorPart part, string reason) =>
        new(StatusCode.Unknown, $"stream '{stream}': corrupt journal segment {Path.GetFileName(part.Path)} at offset {_position}: {reason}");
}
