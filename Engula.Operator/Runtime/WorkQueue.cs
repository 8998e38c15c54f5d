namespace Engula.Operator.Runtime;

/// <summary>
/// A de-duplicating work queue with per-key exponential back-off, in the shape of client-go's workqueue: a key added
/// while queued is queued once; a key added while being processed is queued again only after <see cref="Done"/>, so
/// one key is never reconciled by two workers at once. Failed keys come back after base·2^n (capped) until
/// <see cref="Forget"/>.
/// </summary>
internal sealed class WorkQueue<T> : IDisposable where T : notnull
{
    private readonly object _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly CancellationTokenSource _shutdown = new();

    public WorkQueue(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
    }

    /// <summary>Keys waiting (not counting those being processed or delayed).</summary>
    public int Depth
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public void Add(T key)
    {
        lock (_lock)
        {
            if (!_dirty.Add(key))
            {
                return;
            }

            if (_processing.Contains(key))
            {
                // Re-queued by Done: the worker holding it must finish first.
                return;
            }

            _queue.Enqueue(key);
        }

        _available.Release();
    }

    public void AddAfter(T key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        _ = DelayedAddAsync(key, delay);
    }

    /// <summary>Adds the key after its back-off: base·2^(failures), capped at the maximum.</summary>
    public TimeSpan AddRateLimited(T key)
    {
        int failures;
        lock (_lock)
        {
            _failures.TryGetValue(key, out failures);
            _failures[key] = failures + 1;
        }

        double ms = _baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30));
        var delay = TimeSpan.FromMilliseconds(Math.Min(ms, _maxDelay.TotalMilliseconds));
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Resets the key's back-off (after a successful reconcile).</summary>
    public void Forget(T key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    public int Failures(T key)
    {
        lock (_lock)
        {
            return _failures.TryGetValue(key, out int n) ? n : 0;
        }
    }

    /// <summary>The next key; the caller must call <see cref="Done"/> with it.</summary>
    public async Task<T> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            lock (_lock)
            {
                if (_queue.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(T key)
    {
        bool requeue;
        lock (_lock)
        {
            _processing.Remove(key);
            requeue = _dirty.Contains(key);
            if (requeue)
            {
                _queue.Enqueue(key);
            }
        }

        if (requeue)
        {
            _available.Release();
        }
    }

    public void Dispose()
    {
        _shutdown.Cancel();
        // The semaphore is not disposed: a delayed Add may still release it (SemaphoreSlim holds no handle here).
    }

    private async Task DelayedAddAsync(T key, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        Add(key);
    }
}
