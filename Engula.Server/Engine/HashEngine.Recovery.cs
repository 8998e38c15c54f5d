using Engula.DiscoveryShim;
using Engula.Protocol.Journal;
using Engula.Protocol.Kernel;
using Engula.Protocol.Storage;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>Recovery: the tables of the kernel's current version, then the journal after <c>last_timestamp</c>.</summary>
public sealed partial class HashEngine
{
    private async ValueTask RecoverAsync(CancellationToken cancellationToken)
    {
        var version = (await _connections.Kernel.CurrentVersionAsync(new CurrentVersionRequest(), Waiting(CallTimeout, cancellationToken))).Version
            ?? throw new EngineCorruptedException("kernel returned no version");
        await _connections.PlaceLookupAsync(CallTimeout, cancellationToken);

        var lastTimestamp = ReadMeta(version, LastTimestampKey);
        var lastObjectNumber = ReadMeta(version, LastObjectNumberKey);
        _collectedBelow = ReadMeta(version, CollectedBelowKey);
        _tables.Clear();
        _tableSizes.Clear();
        Interlocked.Exchange(ref _liveBytes, 0);
        var names = version.Objects.Distinct(StringComparer.Ordinal)
            .Select(name => ulong.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? (Name: name, Number: n)
                : throw new EngineCorruptedException($"object '{name}' in the manifest is not an engine table name"))
            .OrderBy(t => t.Number)
            .ToList();
        foreach (var (name, number) in names)
        {
            var bytes = await ReadObjectAsync(name, cancellationToken);
            InstallTable(TableFormat.Read(bytes, name));
            _tableSizes[name] = bytes.Length;
            lastObjectNumber = Math.Max(lastObjectNumber, number);
        }

        var memtable = new Memtable();
        var replayed = 0;
        using var events = _connections.Journal.ReadEvents(
            new ReadEventsRequest { Stream = StreamName, Ts = EncodeTimestamp(lastTimestamp + 1) }, Waiting(TimeSpan.FromMinutes(5), cancellationToken));
        await foreach (var response in events.ResponseStream.ReadAllAsync(cancellationToken))
        {
            foreach (var journalEvent in response.Events)
            {
                var ts = DecodeTimestamp(journalEvent.Ts);
                if (ts <= lastTimestamp)
                {
                    continue; // already in a table (the journal may hold released events until whole segments go)
                }

                memtable.Apply(WalCodec.Decode(journalEvent.Data.Span), ts);
                lastTimestamp = ts;
                replayed++;
            }
        }

        _lastObjectNumber = lastObjectNumber;
        _lastTimestamp = lastTimestamp;
        TableCount = names.Count;
        _state = memtable.ApproximateSize > _options.FlushThreshold ? new EngineState(new Memtable(), [memtable]) : new EngineState(memtable, []);
        LogRecovered(_logger, version.Sequence, names.Count, replayed, lastTimestamp, lastObjectNumber);
    }

    private async Task<byte[]> ReadObjectAsync(string name, CancellationToken cancellationToken)
    {
        using var call = _connections.Storage.ReadObject(new ReadObjectRequest { Bucket = BucketName, Object = name }, Waiting(TimeSpan.FromMinutes(5), cancellationToken));
        using var buffer = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            chunk.Content.WriteTo(buffer);
        }

        return buffer.ToArray();
    }

    /// <summary>Merges a table's entries into the read index, keeping the live-bytes count (a table's encoded size) right.</summary>
    private void InstallTable(List<WriteRecord> entries)
    {
        long delta = 0;
        foreach (var entry in entries)
        {
            delta += LiveDelta(entry);
            if (entry.Value is null)
            {
                _tables.TryRemove(entry.Key, out _);
            }
            else
            {
                _tables[entry.Key] = entry.Value;
            }
        }

        Interlocked.Add(ref _liveBytes, delta);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine recovered: version {Sequence}, {Tables} tables, {Replayed} journal events replayed, last timestamp {LastTimestamp}, last object {LastObject}")]
    private static partial void LogRecovered(ILogger logger, ulong sequence, int tables, int replayed, ulong lastTimestamp, ulong lastObject);
}
