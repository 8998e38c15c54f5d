using System.Diagnostics.Metrics;

namespace Engula.Server.Runtime;

/// <summary>
/// Two counters that always move together: items (events, objects) and the bytes they carry, as in the journal's
/// appends and the storage's uploads and reads. One <see cref="Add"/> records both, so the pair cannot drift apart.
/// </summary>
internal sealed class TransferCounters(Meter meter, string itemsName, string itemUnit, string itemsDescription, string bytesName, string bytesDescription)
{
    private readonly Counter<long> _items = meter.CreateCounter<long>(itemsName, itemUnit, itemsDescription);
    private readonly Counter<long> _bytes = meter.CreateCounter<long>(bytesName, "By", bytesDescription);

    public void Add(long items, long bytes)
    {
        _items.Add(items);
        _bytes.Add(bytes);
    }
}
