using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading.Channels;
using Engula.DiscoveryShim;
using Engula.Protocol.Journal;
using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Engula.Protocol.Storage;
using Engula.Server.Hosting;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>
/// The hash engine of Engula v0.2 (a journal stream for writes, tables in storage, the table list in the kernel), with
/// these differences from the original's (README, "What is fixed relative to the original"):
/// <list type="bullet">
/// <item>writes are grouped into one journal event per batch (group commit) by a single writer loop, and a put is
/// acknowledged only after that event is durable in the journal;</item>
/// <item>recovery restores <c>last_object_number</c> and replays the journal by the events' own timestamps;</item>
/// <item>tables carry checksums and are merged into one in-memory index, so a get never scans tables;</item>
/// <item>background flush failures are retried, logged, and turn health NOT_SERVING until they succeed;</item>
/// <item>a flush whose object name already exists (an upload that was never recorded) moves to the next name.</item>
/// </list>
/// </summary>
public sealed partial class HashEngine : IAsyncDisposable
{
    public const string StreamName = "DEFAULT";
    public const string BucketName = "DEFAULT";
    public const string LastTimestampKey = "last_timestamp";
    public const string LastObjectNumberKey = "last_object_number";

    private const string FlushCondition = "flush";
    private const int MaxBatchRecords = 4096;
    private const long MaxBatchBytes = 4L * 1024 * 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly EngineConnections _connections;
    private readonly EngineOptions _options;
    private readonly EngineMetrics _metrics;
    private readonly ComponentReadiness _readiness;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly GroupCommitLinger _linger;
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly ConcurrentDictionary<byte[], byte[]> _tables = new(ByteArrayComparer.Instance);
    private readonly Lock _stateGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile EngineState _state = new(new Memtable(), []);
    private ulong _lastTimestamp;
    private ulong _lastObjectNumber;
    private Task _writerLoop = Task.CompletedTask;
    private int _disposed;
    private Task _flushLoop = Task.CompletedTask;

    public HashEngine(EngineConnections connections, EngineOptions options, EngineMetrics metrics, ComponentReadiness readiness, ILogger<HashEngine> logger)
    {
        _connections = connections;
        _options = options;
        _metrics = metrics;
        _readiness = readiness;
        _logger = logger;
        _linger = new GroupCommitLinger(TimeProvider.System);
        _metrics.ObserveStorage(() => TableBytes, () => LiveBytes);
        _metrics.ObserveWaitingWrites(() => WaitingWrites);
    }

    public ulong LastTimestamp => Interlocked.Read(ref _lastTimestamp);

    public int TableCount { get; private set; }

    /// <summary>
    /// Recovers the engine: waits for the kernel, loads every table of the current version, replays the journal after
    /// <c>last_timestamp</c>, then starts the writer and flush loops. Retried from scratch until it succeeds.
    /// </summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await DependencyWait.Create(_logger, "kernel " + _connections.KernelAddress, TimeSpan.FromSeconds(2))
            .ExecuteAsync(RecoverAsync, cancellationToken);
        _writerLoop = Task.Run(WriterLoopAsync, CancellationToken.None);
        _flushLoop = Task.Run(FlushLoopAsync, CancellationToken.None);
        if (_state.Flushing.Count > 0)
        {
            _flushSignal.Release();
        }
    }

    public bool TryGet(byte[] key, out byte[]? value)
    {
        _metrics.Get();
        var state = _state;
        if (state.Active.TryGet(key, out value) || TryGetFlushing(state.Flushing, key, out value))
        {
            return value is not null;
        }

        return _tables.TryGetValue(key, out value);
    }

    private static bool TryGetFlushing(ImmutableList<Memtable> flushing, byte[] key, out byte[]? value)
    {
        for (var i = flushing.Count - 1; i >= 0; i--)
        {
            if (flushing[i].TryGet(key, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

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

    private void Rotate()
    {
        lock (_stateGate)
        {
            var state = _state;
            if (state.Active.Count == 0)
            {
                return;
            }

            _state = new EngineState(new Memtable(), state.Flushing.Add(state.Active));
        }

        _flushSignal.Release();
    }

    private async Task FlushLoopAsync()
    {
        var failures = 0;
        // Objects a crash left unlisted (an upload never recorded, old tables of a compaction not yet deleted).
        await CollectGarbageAsync(_stopping.Token);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _flushSignal.WaitAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (_state.Flushing.Count > 0 && !_stopping.IsCancellationRequested)
            {
                try
                {
                    await FlushWatchedAsync(_state.Flushing[0]);
                    if (failures > 0 || !_readiness.IsReady)
                    {
                        _readiness.MarkReady(FlushCondition);
                        failures = 0;
                    }
                }
                catch (Exception e) when (e is RpcException or EngineCorruptedException or IOException)
                {
                    failures++;
                    _readiness.MarkNotReady(FlushCondition, "flush failing: " + e.Message);
                    LogFlushFailed(_logger, failures, e);
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures, 6)))), _stopping.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>
    /// One flush, whose calls wait for storage and kernel: a short outage only delays it, but one that holds it past
    /// <see cref="CallTimeout"/> is reported (health NOT_SERVING, memtables piling up in memory) while it goes on.
    /// </summary>
    private async Task FlushWatchedAsync(Memtable memtable)
    {
        var flush = FlushAsync(memtable, _stopping.Token);
        if (await Task.WhenAny(flush, Task.Delay(CallTimeout, _stopping.Token)) != flush)
        {
            _readiness.MarkNotReady(FlushCondition, $"flush waiting for storage or kernel for more than {CallTimeout.TotalSeconds:0} s");
        }

        await flush;
    }

    private async Task FlushAsync(Memtable memtable, CancellationToken cancellationToken)
    {
        using var activity = EngineMetrics.ActivitySource.StartActivity("engine.flush");
        var started = Stopwatch.GetTimestamp();
        var entries = memtable.SortedEntries();
        var table = TableFormat.Write(entries);
        if (_options.Compaction.ShouldCompact(_tableSizes.Count + 1, _tableSizes.Values.Sum() + table.Length, LiveBytesAfter(entries)))
        {
            await CompactingFlushAsync(memtable, entries, started, cancellationToken);
            return;
        }

        var (name, number) = await UploadNewTableAsync(table, cancellationToken);
        var update = new VersionUpdate();
        update.AddMeta.Add(LastTimestampKey, EncodeTimestamp(memtable.LastTimestamp));
        update.AddMeta.Add(LastObjectNumberKey, EncodeTimestamp(number));
        update.AddObjects.Add(name);
        await RecordTableAsync(update, name, cancellationToken);
        _lastObjectNumber = number;
        _tableSizes[name] = table.Length;

        InstallTable(entries);
        lock (_stateGate)
        {
            _state = _state with { Flushing = _state.Flushing.Remove(memtable) };
            TableCount++;
        }

        _metrics.Flushed(Stopwatch.GetElapsedTime(started));
        LogFlushed(_logger, name, entries.Count, table.Length, memtable.LastTimestamp);
        await ReleaseJournalAsync(memtable.LastTimestamp, cancellationToken);
    }

    /// <summary>Every event up to <paramref name="lastTimestamp"/> is in a table: the journal may drop them.</summary>
    private async Task ReleaseJournalAsync(ulong lastTimestamp, CancellationToken cancellationToken)
    {
        try
        {
            await _connections.Journal.ReleaseEventsAsync(
                new ReleaseEventsRequest { Stream = StreamName, Ts = EncodeTimestamp(lastTimestamp + 1) },
                Waiting(CallTimeout, cancellationToken));
        }
        catch (RpcException e)
        {
            // Not fatal: the next flush releases a superset, and recovery skips events already in tables.
            LogReleaseFailed(_logger, e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>Uploads a table under the next free object number.</summary>
    private async Task<(string Name, ulong Number)> UploadNewTableAsync(byte[] table, CancellationToken cancellationToken)
    {
        var number = _lastObjectNumber + 1;
        while (!await TryUploadAsync(number.ToString(System.Globalization.CultureInfo.InvariantCulture), table, cancellationToken))
        {
            // The name was taken by an upload that was never recorded in the manifest (a crash between upload and
            // ApplyUpdate): never overwrite, move on; garbage collection deletes it later.
            _lastObjectNumber = number;
            number++;
        }

        // Taken even if the kernel never hears of it: a retry must not reuse a name that may exist in storage.
        _lastObjectNumber = number;
        return (number.ToString(System.Globalization.CultureInfo.InvariantCulture), number);
    }

    private async Task<bool> TryUploadAsync(string name, byte[] table, CancellationToken cancellationToken)
    {
        const int ChunkSize = 256 * 1024;
        using var call = _connections.Storage.UploadObject(Waiting(TimeSpan.FromMinutes(2), cancellationToken));
        try
        {
            for (var offset = 0; offset < table.Length || offset == 0; offset += ChunkSize)
            {
                var length = Math.Min(ChunkSize, table.Length - offset);
                await call.RequestStream.WriteAsync(new UploadObjectRequest
                {
                    Bucket = BucketName,
                    Object = name,
                    Content = ByteString.CopyFrom(table, offset, length),
                }, cancellationToken);
                if (length <= 0)
                {
                    break;
                }
            }

            await call.RequestStream.CompleteAsync();
            await call;
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            return false;
        }
    }

    /// <summary>Stops taking writes, commits those already queued, then flushes what it can within the bound.</summary>
    public async ValueTask DisposeAsync()
    {
        // Called by the hosted service at shutdown and again by the DI container.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _writes.Writer.TryComplete();
        await _writerLoop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_writerLoop.IsCompleted)
        {
            // Still waiting for an absent journal: stop, answering the batch in flight "outcome unknown".
            await _writerAbort.CancelAsync();
            await _writerLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Rotate();
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            while (!bound.IsCancellationRequested && _state.Flushing.Count > 0 && !_flushLoop.IsCompleted)
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }

        await _stopping.CancelAsync();
        await _flushLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _writerAbort.Dispose();
        _flushSignal.Dispose();
    }

    internal static ByteString EncodeTimestamp(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    internal static ulong DecodeTimestamp(ByteString ts) =>
        ts.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(ts.Span) : throw new EngineCorruptedException($"timestamp of {ts.Length} bytes");

    private static ulong ReadMeta(Protocol.Metadata.Version version, string key) =>
        !version.Meta.TryGetValue(key, out var value) ? 0
        : value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value.Span)
        : throw new EngineCorruptedException($"meta '{key}' has {value.Length} bytes, expected 8");

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine recovered: version {Sequence}, {Tables} tables, {Replayed} journal events replayed, last timestamp {LastTimestamp}, last object {LastObject}")]
    private static partial void LogRecovered(ILogger logger, ulong sequence, int tables, int replayed, ulong lastTimestamp, ulong lastObject);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Unexpected failure in the engine's writer loop; the batch failed")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushed table {Name}: {Entries} entries, {Bytes} bytes, up to timestamp {LastTimestamp}")]
    private static partial void LogFlushed(ILogger logger, string name, int entries, int bytes, ulong lastTimestamp);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flush failed (attempt {Attempt}); retrying, engine NOT_SERVING meanwhile")]
    private static partial void LogFlushFailed(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing journal events failed: {Code} {Detail}")]
    private static partial void LogReleaseFailed(ILogger logger, StatusCode code, string detail);
}
