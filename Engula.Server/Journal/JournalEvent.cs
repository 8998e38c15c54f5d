using Google.Protobuf;

namespace Engula.Server.Journal;

/// <summary>One stored event: its timestamp and opaque payload.</summary>
internal readonly record struct JournalEvent(ulong Ts, ByteString Data);
