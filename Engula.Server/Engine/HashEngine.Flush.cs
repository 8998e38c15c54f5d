using System.Diagnostics;
using Engula.Protocol.Journal;
using Engula.Protocol.Metadata;
using Engula.Protocol.Storage;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>The flush loop: memtables become tables in storage, recorded in the kernel, and the journal is released behind them.</summary>
public sealed partial class HashEngine
{
    /// <summary>Completed (and replaced) each time a memtable has become a table.</summary>
    private TaskCompletionSource _flushProgress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Flushes now what the memtable holds (the dashboard's "Flush memtable" command): completes once it, and every
    /// memtable queued before it, is a table recorded in the kernel; returns how many memtables that took (0: nothing to
    /// flush). Waits for storage and kernel like any flush; <paramref name="cancellationToken"/> bounds the wait, not the
    /// flush, which goes on.
    /// </summary>
    public async Task<int> FlushNowAsync(CancellationToken cancellationToken)
    {
        Rotate();
        var queued = _state.Flushing;
        if (queued.Count == 0)
        {
            return 0;
        }

        var last = queued[^1];
        while (true)
        {
            // Read the signal before the check, so a flush that ends in between is not missed.
            var progress = Volatile.Read(ref _flushProgress);
            if (!_state.Flushing.Contains(last))
            {
                return queued.Count;
            }

            await progress.Task.WaitAsync(cancellationToken);
        }
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
                    Interlocked.Exchange(ref _flushProgress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushed table {Name}: {Entries} entries, {Bytes} bytes, up to timestamp {LastTimestamp}")]
    private static partial void LogFlushed(ILogger logger, string name, int entries, int bytes, ulong lastTimestamp);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flush failed (attempt {Attempt}); retrying, engine NOT_SERVING meanwhile")]
    private static partial void LogFlushFailed(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing journal events failed: {Code} {Detail}")]
    private static partial void LogReleaseFailed(ILogger logger, StatusCode code, string detail);
}
