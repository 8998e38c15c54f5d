using System.Collections.Concurrent;

namespace Engula.Server.Engine;

/// <summary>
/// Recent writes not yet in a table. Written only by the engine's single writer loop, read by any number of gets.
/// A null value is a tombstone.
/// </summary>
public sealed class Memtable
{
    private readonly ConcurrentDictionary<byte[], byte[]?> _entries = new(ByteArrayComparer.Instance);
    private long _approximateSize;

    /// <summary>The timestamp of the last journal event applied (0 when empty).</summary>
    public ulong LastTimestamp { get; private set; }

    public long ApproximateSize => Interlocked.Read(ref _approximateSize);

    public int Count => _entries.Count;

    public bool TryGet(byte[] key, out byte[]? value) => _entries.TryGetValue(key, out value);

    public void Apply(IReadOnlyList<WriteRecord> records, ulong timestamp)
    {
        foreach (var record in records)
        {
            _entries[record.Key] = record.Value;
            Interlocked.Add(ref _approximateSize, BinaryFormat.RecordSize(record));
        }

        LastTimestamp = timestamp;
    }

    /// <summary>The entries sorted by key, as a table stores them.</summary>
    public List<WriteRecord> SortedEntries()
    {
        var list = _entries.Select(e => new WriteRecord(e.Key, e.Value)).ToList();
        list.Sort((a, b) => ByteArrayComparer.Instance.Compare(a.Key, b.Key));
        return list;
    }
}
