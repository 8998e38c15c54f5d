using Microsoft.Win32.SafeHandles;

namespace Engula.Server.Journal;

/// <summary>
/// The segment appends go to. <see cref="Handle"/> is written only by the stream's writer loop; the committed fields
/// change under the stream's lock, where readers take their snapshot.
/// </summary>
internal sealed class ActiveSegment(ulong number, string path, SafeFileHandle handle, ulong? previousLastTs)
{
    public ulong Number { get; } = number;

    public string Path { get; } = path;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The stream's last timestamp when this segment was created (from its header).</summary>
    public ulong? PreviousLastTs { get; } = previousLastTs;

    /// <summary>End of the acknowledged (fsynced) records; the next batch is written here.</summary>
    public long CommittedLength { get; set; } = SegmentFormat.HeaderSize;

    /// <summary>
    /// Length of the file: beyond <see cref="CommittedLength"/> it holds zeros written ahead of the records (the zero
    /// tail of <see cref="SegmentFormat"/>). Changed only by the writer loop, or under the stream's lock.
    /// </summary>
    public long FileLength { get; set; } = SegmentFormat.HeaderSize;

    public int RecordCount { get; set; }

    public ulong? FirstTs { get; set; }

    public ulong? LastTs { get; set; }

    /// <summary>Cuts the file at <see cref="CommittedLength"/>: drops zeros written ahead, or a failed batch's bytes.</summary>
    public void TruncateToCommitted()
    {
        RandomAccess.SetLength(Handle, CommittedLength);
        FileLength = CommittedLength;
    }

    /// <summary>Writes the footer that seals this segment right after its last record (zeros ahead dropped first)
    /// and fsyncs it.</summary>
    public void WriteFooter()
    {
        if (FileLength != CommittedLength)
        {
            TruncateToCommitted();
        }

        var footer = SegmentFormat.EncodeFooter(RecordCount, FirstTs!.Value, LastTs!.Value, CommittedLength);
        RandomAccess.Write(Handle, footer, CommittedLength);
        FileLength = CommittedLength + footer.Length;
        RandomAccess.FlushToDisk(Handle);
    }
}
