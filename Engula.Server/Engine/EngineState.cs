using System.Collections.Immutable;

namespace Engula.Server.Engine;

/// <summary>An immutable snapshot of the in-memory write path: the active memtable and those being flushed (oldest first).</summary>
internal sealed record EngineState(Memtable Active, ImmutableList<Memtable> Flushing);
