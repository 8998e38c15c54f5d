using System.Collections.Concurrent;
using System.Diagnostics;
using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Engula.Protocol.Storage;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>
/// Compaction and garbage collection of the engine's tables (the policy: <see cref="CompactionPolicy"/>).
/// Crash safety comes from the order of three steps, each of which leaves a state that recovery understands:
/// <list type="number">
/// <item>the new table (the whole read index plus the memtable being flushed) is uploaded under a fresh object
/// number — a crash here leaves an unlisted object, which is garbage;</item>
/// <item>one <c>ApplyUpdate</c> adds it, removes every table the kernel lists, and moves <c>last_timestamp</c> past the
/// memtable — the switch is atomic in the kernel, so an object the kernel lists always exists;</item>
/// <item>only then are the old objects deleted, and with them any unlisted object numbered below the new one; when all
/// deletes succeeded, <c>collected_below</c> records that nothing below the new number is left.</item>
/// </list>
/// At start-up, every unlisted number from <c>collected_below</c> up to <c>last_object_number</c> is deleted (a crash
/// between steps 2 and 3). Compaction runs in the flush loop, so it never races a flush; puts and gets go on
/// meanwhile (they never wait for the flush loop), and a get never sees an older value, because the read index is
/// only ever merged forward.
/// </summary>
public sealed partial class HashEngine
{
    public const string CollectedBelowKey = "collected_below";

    private static readonly TimeSpan GarbageCallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The tables the kernel lists, by object name, with their sizes in bytes.</summary>
    private readonly ConcurrentDictionary<string, long> _tableSizes = new(StringComparer.Ordinal);

    /// <summary>Encoded size of every live entry of the read index: what one table of it would take.</summary>
    private long _liveBytes;

    /// <summary>Every object numbered below this was deleted (meta <see cref="CollectedBelowKey"/>).</summary>
    private ulong _collectedBelow;

    /// <summary>Bytes of the tables the kernel lists.</summary>
    public long TableBytes => _tableSizes.Values.Sum();

    /// <summary>Bytes one table of the live data takes.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>The live bytes once <paramref name="entries"/> are merged into the read index.</summary>
    private long LiveBytesAfter(List<WriteRecord> entries) => LiveBytes + entries.Sum(LiveDelta);

    /// <summary>How merging one entry into the read index changes <see cref="LiveBytes"/> (a tombstone only removes).</summary>
    private long LiveDelta(WriteRecord entry) =>
        (entry.Value is null ? 0 : BinaryFormat.RecordSize(entry))
        - (_tables.TryGetValue(entry.Key, out var old) ? BinaryFormat.RecordSize(new WriteRecord(entry.Key, old)) : 0);

    /// <summary>A flush that rewrites everything: the memtable and every table become one table.</summary>
    private async Task CompactingFlushAsync(Memtable memtable, List<WriteRecord> entries, long started, CancellationToken cancellationToken)
    {
        using var activity = EngineMetrics.ActivitySource.StartActivity("engine.compaction");
        long bytesIn = TableBytes;
        // The memtable joins the read index first (a retry after a failure merges it again, which changes nothing):
        // the new table is the index as it is once this flush is recorded. Newer memtables stay in front of it.
        InstallTable(entries);
        var snapshot = _tables.Select(e => new WriteRecord(e.Key, e.Value)).ToList();
        snapshot.Sort((a, b) => ByteArrayComparer.Instance.Compare(a.Key, b.Key));
        var table = TableFormat.Write(snapshot);

        var (name, number) = await UploadNewTableAsync(table, cancellationToken);
        await StepAsync("uploaded", name, cancellationToken);

        // Drop what the kernel lists now, not what this process believes: after an ApplyUpdate whose answer was lost
        // the kernel may list tables this process does not know. The engine is its version's only writer.
        var current = await CurrentVersionAsync(cancellationToken);
        var old = current.Objects.Where(o => o != name).Distinct(StringComparer.Ordinal).ToList();
        var update = new VersionUpdate();
        update.AddMeta.Add(LastTimestampKey, EncodeTimestamp(memtable.LastTimestamp));
        update.AddMeta.Add(LastObjectNumberKey, EncodeTimestamp(number));
        update.AddObjects.Add(name);
        update.RemoveObjects.AddRange(old);
        await RecordTableAsync(update, name, cancellationToken);

        _tableSizes.Clear();
        _tableSizes[name] = table.Length;
        lock (_stateGate)
        {
            _state = _state with { Flushing = _state.Flushing.Remove(memtable) };
            TableCount = 1;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        _metrics.Flushed(elapsed);
        _metrics.Compacted(old.Count, bytesIn, table.Length, elapsed);
        LogCompacted(_logger, name, old.Count, bytesIn, snapshot.Count, table.Length, elapsed.TotalMilliseconds, memtable.LastTimestamp);
        await StepAsync("recorded", name, cancellationToken);

        await ReleaseJournalAsync(memtable.LastTimestamp, cancellationToken);
        await DeleteGarbageAsync(old, number, cancellationToken);
    }

    /// <summary>
    /// Deletes the old tables and every unlisted object numbered from <c>collected_below</c> up to (not including)
    /// <paramref name="below"/>, the one listed table; then records the new <c>collected_below</c>. A failed delete
    /// is left for the next pass (the object is unlisted, so nothing reads it).
    /// </summary>
    private async Task DeleteGarbageAsync(IEnumerable<string> old, ulong below, CancellationToken cancellationToken)
    {
        var candidates = new SortedSet<ulong>();
        foreach (var name in old)
        {
            candidates.Add(ulong.Parse(name, System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var n = Math.Max(_collectedBelow, 1); n < below; n++)
        {
            candidates.Add(n);
        }

        candidates.Remove(below);
        if (await DeleteObjectsAsync(candidates, cancellationToken))
        {
            await RecordCollectedBelowAsync(below, cancellationToken);
        }
    }

    /// <summary>
    /// Start-up pass: deletes every unlisted object numbered from <c>collected_below</c> to <c>last_object_number</c>
    /// (what a crash between a compaction's kernel update and its deletes left). Failures are logged, never fatal.
    /// </summary>
    private async Task CollectGarbageAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = (await _connections.Kernel.CurrentVersionAsync(new CurrentVersionRequest(), deadline: DateTime.UtcNow + GarbageCallTimeout, cancellationToken: cancellationToken)).Version;
            if (version is null)
            {
                return;
            }

            var listed = version.Objects.Select(o => ulong.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            var last = ReadMeta(version, LastObjectNumberKey);
            var from = Math.Max(ReadMeta(version, CollectedBelowKey), 1);
            var candidates = new SortedSet<ulong>();
            for (var n = from; n <= last; n++)
            {
                if (!listed.Contains(n))
                {
                    candidates.Add(n);
                }
            }

            if (candidates.Count > 0 && await DeleteObjectsAsync(candidates, cancellationToken))
            {
                await RecordCollectedBelowAsync(listed.Count > 0 ? listed.Min() : last + 1, cancellationToken);
            }
        }
        catch (Exception e) when (e is RpcException or EngineCorruptedException or FormatException or OverflowException)
        {
            LogGarbageFailed(_logger, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes the objects (a missing one counts as deleted); true when every delete succeeded.</summary>
    private async Task<bool> DeleteObjectsAsync(IReadOnlyCollection<ulong> numbers, CancellationToken cancellationToken)
    {
        int deleted = 0;
        bool all = true;
        foreach (var number in numbers)
        {
            try
            {
                await _connections.Storage.DeleteObjectAsync(
                    new DeleteObjectRequest { Bucket = BucketName, Object = number.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    deadline: DateTime.UtcNow + GarbageCallTimeout, cancellationToken: cancellationToken);
                deleted++;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }
            catch (RpcException e)
            {
                all = false;
                LogDeleteFailed(_logger, number, e.StatusCode, e.Status.Detail);
            }
        }

        if (numbers.Count > 0)
        {
            LogGarbageCollected(_logger, deleted, numbers.Count);
        }

        return all;
    }

    private async Task RecordCollectedBelowAsync(ulong below, CancellationToken cancellationToken)
    {
        if (below <= _collectedBelow)
        {
            return;
        }

        try
        {
            var update = new VersionUpdate();
            update.AddMeta.Add(CollectedBelowKey, EncodeTimestamp(below));
            await _connections.Kernel.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = update }, deadline: DateTime.UtcNow + GarbageCallTimeout, cancellationToken: cancellationToken);
            _collectedBelow = below;
        }
        catch (RpcException e)
        {
            // The next pass starts lower and finds the same objects already gone.
            LogGarbageFailed(_logger, e);
        }
    }

    /// <summary>The fault-injection pause of <see cref="EngineOptions.CompactionStepPause"/> (zero: nothing).</summary>
    private async Task StepAsync(string step, string table, CancellationToken cancellationToken)
    {
        if (_options.CompactionStepPause > TimeSpan.Zero)
        {
            LogCompactionStep(_logger, step, table, _options.CompactionStepPause.TotalMilliseconds);
            await Task.Delay(_options.CompactionStepPause, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Compacted {InputTables} tables ({BytesIn} bytes) and a memtable into table {Name}: {Entries} live entries, {BytesOut} bytes, {ElapsedMs:F0} ms, up to timestamp {LastTimestamp}")]
    private static partial void LogCompacted(ILogger logger, string name, int inputTables, long bytesIn, int entries, int bytesOut, double elapsedMs, ulong lastTimestamp);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Compaction step {Step} of table {Name} done; pausing {PauseMs:F0} ms (fault injection)")]
    private static partial void LogCompactionStep(ILogger logger, string step, string name, double pauseMs);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Garbage collection: deleted {Deleted} of {Candidates} unlisted objects")]
    private static partial void LogGarbageCollected(ILogger logger, int deleted, int candidates);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Deleting unlisted object {Number} failed: {Code} {Detail}; left for the next pass")]
    private static partial void LogDeleteFailed(ILogger logger, ulong number, StatusCode code, string detail);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Garbage collection failed; left for the next pass")]
    private static partial void LogGarbageFailed(ILogger logger, Exception exception);
}
