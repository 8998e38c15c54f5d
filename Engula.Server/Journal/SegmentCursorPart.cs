using Microsoft.Win32.SafeHandles;

namespace Engula.Server.Journal;

/// <summary>One segment of a read snapshot: an open handle (unaffected by later renames and unlinks) and the end of
/// the records that belong to the snapshot.</summary>
internal sealed record SegmentCursorPart(string Path, SafeFileHandle Handle, long End);
