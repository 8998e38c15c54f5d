using System.Diagnostics;
using Engula.Protocol.Journal;
using Google.Protobuf;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>
/// The write path: puts wait in a bounded queue, a single writer commits them in batches (one journal event each), and
/// an append whose outcome is unknown is resolved against the journal rather than guessed.
/// </summary>
/// <remarks>
/// <para>
/// The engine is the only writer of its stream, so the journal's tail is the truth about an append: when an append
/// fails after it may have been sent (the connection broke, the attempt's deadline passed), the writer waits for the
/// journal to answer again, reads the stream from that event's timestamp and compares bytes. If the event is there,
/// the batch is applied and acknowledged; if not, the same batch is sent again under a new timestamp (the journal
/// only accepts increasing timestamps, so the lost attempt can never land after the new one). The writer commits
/// nothing else meanwhile, so the engine's live state always equals what replaying the journal produces — even if
/// a lost attempt surfaces later, it holds the same batch immediately before its resend.
/// </para>
/// <para>
/// A waiter gives up at its write deadline (<see cref="EngineOptions.WriteTimeout"/>) or when its HTTP request ends:
/// a write still queued is then never sent ("not applied"); one already in a batch gets "outcome unknown", and the
/// writer still settles it before the next batch.
/// </para>
/// </remarks>
public sealed partial class HashEngine
{
    private const string JournalCondition = "journal";
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _writerAbort = new();
    private long _waitingWrites;
    private long _waitingBytes;
    private long _inFlightWrites;
    private volatile bool _journalFailing;

    /// <summary>Writes queued for the journal and not yet taken into a batch.</summary>
    internal long WaitingWrites => Interlocked.Read(ref _waitingWrites);

    /// <summary>Writes of the batch sent to the journal and not yet answered (one batch at a time: the single writer's).</summary>
    internal long InFlightWrites => Interlocked.Read(ref _inFlightWrites);

    /// <summary>
    /// Puts or deletes (<paramref name="value"/> null) a key; completes once durable in the journal. Fails with
    /// <see cref="EngineUnavailableException"/> (what is known about the write is in its message) when the write
    /// deadline passes first or the bound on waiting writes is reached; <paramref name="cancellationToken"/> (the
    /// request's) ends the wait earlier.
    /// </summary>
    public Task WriteAsync(byte[] key, byte[]? value, CancellationToken cancellationToken = default)
    {
        var record = new WriteRecord(key, value);
        var size = BinaryFormat.RecordSize(record);
        var count = Interlocked.Increment(ref _waitingWrites);
        var bytes = Interlocked.Add(ref _waitingBytes, size);
        if (count > _options.MaxWaitingWrites || bytes > _options.MaxWaitingBytes)
        {
            Released(size);
            _metrics.WriteFailed(1, EngineMetrics.Overloaded);
            return Task.FromException(EngineUnavailableException.Overloaded(
                $"{count - 1} writes ({bytes - size} bytes) already wait for the journal (limits {_options.MaxWaitingWrites} writes, {_options.MaxWaitingBytes} bytes)",
                RetryAfter));
        }

        var pending = new PendingWrite(record, Activity.Current?.Context ?? default, size);
        if (!_writes.Writer.TryWrite(pending))
        {
            Released(size);
            return Task.FromException(EngineUnavailableException.NotApplied("the engine is shutting down"));
        }

        _linger.Queued();
        return WaitForCommitAsync(pending, cancellationToken);
    }

    /// <summary>What an overloaded engine suggests: about the time the journal's reconnect back-off needs.</summary>
    private static TimeSpan RetryAfter => TimeSpan.FromSeconds(1);

    private void Released(int size)
    {
        Interlocked.Decrement(ref _waitingWrites);
        Interlocked.Add(ref _waitingBytes, -size);
    }

    private async Task WaitForCommitAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        try
        {
            await pending.Completion.Task.WaitAsync(_options.WriteTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            var seconds = _options.WriteTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            if (pending.TryAbandon())
            {
                _metrics.WriteFailed(1, EngineMetrics.NotApplied);
                throw EngineUnavailableException.NotApplied($"the journal did not take the write within the write timeout ({seconds} s)");
            }

            _metrics.WriteFailed(1, EngineMetrics.OutcomeUnknown);
            throw EngineUnavailableException.OutcomeUnknown(
                $"the write was sent to the journal and its answer did not come within the write timeout ({seconds} s); the engine settles it before it commits anything else");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: nobody waits for an answer, and a write still queued is dropped.
            pending.TryAbandon();
            throw;
        }
    }

    private async Task WriterLoopAsync()
    {
        var reader = _writes.Reader;
        var batch = new List<PendingWrite>(MaxBatchRecords);
        var records = new List<WriteRecord>(MaxBatchRecords);
        int target = 0;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await _linger.WaitAsync(target, _options.GroupCommitLinger);
            batch.Clear();
            records.Clear();
            long bytes = 0;
            var taken = 0;
            while (batch.Count < MaxBatchRecords && bytes < MaxBatchBytes && reader.TryRead(out var pending))
            {
                taken++;
                Released(pending.Size);
                if (!pending.TryTake())
                {
                    continue; // its waiter gave up while it was queued: it was answered "not applied"
                }

                batch.Add(pending);
                records.Add(pending.Record);
                bytes += pending.Size;
            }

            _linger.Taken(taken);
            if (batch.Count == 0)
            {
                continue;
            }

            Interlocked.Exchange(ref _inFlightWrites, batch.Count);
            try
            {
                await CommitAsync(batch, records, _writerAbort.Token);
            }
            catch (Exception e)
            {
                // Never let the single writer die silently (every later put would hang): fail this batch and go on.
                if (!_writerAbort.IsCancellationRequested)
                {
                    LogWriterFailed(_logger, e);
                }

                var error = EngineUnavailableException.OutcomeUnknown(
                    _writerAbort.IsCancellationRequested ? "the engine stopped before the journal answered" : "write failed: " + e.Message);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(error);
                }
            }

            Interlocked.Exchange(ref _inFlightWrites, 0);
            target = GroupCommitLinger.NextTarget(_linger.Count, batch.Count);
        }
    }

    /// <summary>Appends one batch as one journal event and applies it; returns once the batch has an answer.</summary>
    private async Task CommitAsync(List<PendingWrite> batch, List<WriteRecord> records, CancellationToken stopping)
    {
        // One span per group commit, parented to the first writer's request and linked to the others, so a put's
        // trace runs from the engine's HTTP request into the journal's AppendEvent.
        using var activity = EngineMetrics.ActivitySource.StartActivity(
            "engine.group_commit", ActivityKind.Internal, batch[0].Parent,
            links: batch.Skip(1).Where(p => p.Parent != default).Take(32).Select(p => new ActivityLink(p.Parent)));
        activity?.SetTag("engula.writes", batch.Count);

        var data = UnsafeByteOperations.UnsafeWrap(WalCodec.Encode(records));
        var started = Stopwatch.GetTimestamp();
        ulong? uncertain = null; // the timestamp of the last attempt whose outcome is unknown
        var everUncertain = false; // an earlier attempt may still surface in the journal
        var attempts = 0;
        while (true)
        {
            if (uncertain is { } sent)
            {
                if (await IsInJournalAsync(sent, data, stopping))
                {
                    LogAppendResolved(_logger, sent, true);
                    Apply(batch, records, sent, started);
                    return;
                }

                LogAppendResolved(_logger, sent, false);
                uncertain = null;
            }

            // A fresh timestamp for every attempt: the journal refuses one that is not above every stored one, so an
            // earlier attempt that surfaces late cannot land after this one.
            var ts = ++_lastTimestamp;
            attempts++;
            try
            {
                await _connections.Journal.AppendEventAsync(
                    new AppendEventRequest { Stream = StreamName, Ts = EncodeTimestamp(ts), Data = data },
                    new CallOptions(deadline: DateTime.UtcNow + _options.WriteTimeout, cancellationToken: stopping).WithWaitForReady());
                Apply(batch, records, ts, started);
                return;
            }
            catch (RpcException e) when (IsRefusal(e.StatusCode) && !(stopping.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled))
            {
                // The journal answered and did not store the event.
                activity?.SetStatus(ActivityStatusCode.Error, e.Status.Detail);
                LogCommitRefused(_logger, batch.Count, e.StatusCode, e.Status.Detail);
                var reason = $"journal refused the append: {e.StatusCode} {e.Status.Detail}";
                if (!everUncertain)
                {
                    _metrics.WriteFailed(batch.Count, EngineMetrics.NotApplied);
                    Fail(batch, EngineUnavailableException.NotApplied(reason, e.StatusCode == StatusCode.ResourceExhausted ? 507 : 503));
                    return;
                }

                if (e.StatusCode != StatusCode.ResourceExhausted)
                {
                    // An earlier attempt's fate is open and the journal will not take this one: nothing sane is left
                    // to do but tell the waiters so.
                    _metrics.WriteFailed(batch.Count, EngineMetrics.OutcomeUnknown);
                    Fail(batch, EngineUnavailableException.OutcomeUnknown(reason));
                    return;
                }

                // Out of space after an attempt of unknown fate: keep trying until space is freed (the waiters are
                // answered at their deadline).
                MarkJournalFailing(reason);
            }
            catch (RpcException e) when (!stopping.IsCancellationRequested)
            {
                // Sent or not, we cannot tell: the connection broke, or the attempt's deadline passed.
                activity?.AddEvent(new ActivityEvent("append outcome unknown"));
                LogCommitUncertain(_logger, batch.Count, ts, e.StatusCode, e.Status.Detail);
                MarkJournalFailing($"journal append failing: {e.StatusCode} {e.Status.Detail}");
                uncertain = ts;
                everUncertain = true;
            }

            await Task.Delay(RetryDelay(attempts), stopping);
        }
    }

    /// <summary>
    /// Whether the event at <paramref name="ts"/> is in the journal with exactly <paramref name="data"/>. Waits for the
    /// journal as long as it takes (each read bounded by the write timeout); only the engine's stop ends it.
    /// </summary>
    private async Task<bool> IsInJournalAsync(ulong ts, ByteString data, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var call = _connections.Journal.ReadEvents(
                    new ReadEventsRequest { Stream = StreamName, Ts = EncodeTimestamp(ts) },
                    new CallOptions(deadline: DateTime.UtcNow + _options.WriteTimeout, cancellationToken: stopping).WithWaitForReady());
                await foreach (var response in call.ResponseStream.ReadAllAsync(stopping))
                {
                    foreach (var journalEvent in response.Events)
                    {
                        var eventTs = DecodeTimestamp(journalEvent.Ts);
                        if (eventTs == ts && journalEvent.Data.Span.SequenceEqual(data.Span))
                        {
                            return true;
                        }

                        // Only this engine writes the stream, so nothing else can be at or above ts; if something is,
                        // say so loudly and move past it rather than collide with it.
                        LogForeignEvent(_logger, eventTs, ts);
                        _lastTimestamp = Math.Max(_lastTimestamp, eventTs);
                        return false;
                    }
                }

                return false;
            }
            catch (RpcException e) when (!stopping.IsCancellationRequested)
            {
                LogResolveFailed(_logger, ts, attempt, e.StatusCode, e.Status.Detail);
                MarkJournalFailing($"journal unreachable: {e.StatusCode} {e.Status.Detail}");
                await Task.Delay(RetryDelay(attempt), stopping);
            }
        }
    }

    private void Apply(List<PendingWrite> batch, List<WriteRecord> records, ulong ts, long started)
    {
        var state = _state;
        state.Active.Apply(records, ts);
        if (_journalFailing)
        {
            _journalFailing = false;
            _readiness.MarkReady(JournalCondition);
        }

        var puts = records.Count(r => r.Value is not null);
        _metrics.Committed(puts, records.Count - puts, Stopwatch.GetElapsedTime(started));
        foreach (var pending in batch)
        {
            pending.Completion.TrySetResult();
        }

        if (state.Active.ApproximateSize > _options.FlushThreshold)
        {
            Rotate();
        }
    }

    private static void Fail(List<PendingWrite> batch, EngineUnavailableException error)
    {
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private void MarkJournalFailing(string reason)
    {
        _journalFailing = true;
        _readiness.MarkNotReady(JournalCondition, reason);
    }

    /// <summary>
    /// Statuses with which the journal says it did not store the event. Everything else (UNAVAILABLE, DEADLINE_EXCEEDED,
    /// CANCELLED, INTERNAL, UNKNOWN) may come after the event was stored.
    /// </summary>
    private static bool IsRefusal(StatusCode code) => code is StatusCode.InvalidArgument or StatusCode.FailedPrecondition
        or StatusCode.ResourceExhausted or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.OutOfRange
        or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Unimplemented or StatusCode.DataLoss;

    /// <summary>Between attempts: 50 ms doubling to 1 s. Waiting for the connection itself is WaitForReady's job.</summary>
    private static TimeSpan RetryDelay(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(attempt - 1, 10))));

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Group commit of {Count} writes refused by the journal: {Code} {Detail}")]
    private static partial void LogCommitRefused(ILogger logger, int count, StatusCode code, string detail);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Group commit of {Count} writes at timestamp {Ts} has an unknown outcome ({Code} {Detail}); resolving it against the journal")]
    private static partial void LogCommitUncertain(ILogger logger, int count, ulong ts, StatusCode code, string detail);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Append at timestamp {Ts} resolved: in the journal = {Present}")]
    private static partial void LogAppendResolved(ILogger logger, ulong ts, bool present);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Reading the journal to resolve the append at timestamp {Ts} failed (attempt {Attempt}): {Code} {Detail}")]
    private static partial void LogResolveFailed(ILogger logger, ulong ts, int attempt, StatusCode code, string detail);

    [LoggerMessage(EventId = 24, Level = LogLevel.Critical, Message = "The journal holds an event at timestamp {Found} that this engine did not write (resolving {Ts}): is another engine writing the same stream?")]
    private static partial void LogForeignEvent(ILogger logger, ulong found, ulong ts);
}
