using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using Engula.DiscoveryShim;
using Google.Protobuf;

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
    public const string StreamName = EngulaNames.Default;
    public const string BucketName = EngulaNames.Default;
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
        _metrics.ObserveWrites(() => WaitingWrites, () => InFlightWrites);
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

    [LoggerMessage(Level = LogLevel.Critical, Message = "Unexpected failure in the engine's writer loop; the batch failed")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);
}
