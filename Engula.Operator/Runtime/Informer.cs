using System.Collections.Concurrent;
using k8s.Autorest;

namespace Engula.Operator.Runtime;

/// <summary>
/// A list-then-watch cache of one kind of object. Lists, then watches from the list's resourceVersion with
/// bookmarks and a server-side timeout (1.20 sends a bookmark only shortly before the timeout), resumes
/// each watch from the last resourceVersion it saw, and lists again when the server answers 410 Gone. On this
/// client a 410 arrives only through the watch's onError callback (never as an exception), so onError is always
/// passed. Handlers run on the informer's loop: they must be quick (they enqueue keys).
/// </summary>
internal sealed partial class Informer<T>(string name, Informer<T>.ListFunc list, Informer<T>.WatchFunc watch, ILogger logger, OperatorMetrics metrics)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Lists every object; returns the items and the list's resourceVersion.</summary>
    public delegate Task<(IList<T> Items, string ResourceVersion)> ListFunc(CancellationToken cancellationToken);

    /// <summary>Starts a watch from a resourceVersion.</summary>
    public delegate IAsyncEnumerable<(WatchEventType Type, T Object)> WatchFunc(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken);

    private readonly ConcurrentDictionary<string, T> _store = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _watchLock = new();
    private CancellationTokenSource? _currentWatch;
    private string? _resourceVersion;

    /// <summary>Called with (old, new): old null on add, new null on delete.</summary>
    public event Action<T?, T?>? Changed;

    /// <summary>Completes after the first list has filled the cache.</summary>
    public Task Synced => _synced.Task;

    /// <summary>How many times the informer listed (1 at start, +1 per 410 or unrecoverable watch error).</summary>
    public int Lists { get; private set; }

    public static string KeyOf(string? ns, string name) => (ns ?? "") + "/" + name;

    public T? Get(string? ns, string name) => _store.TryGetValue(KeyOf(ns, name), out var value) ? value : null;

    public IReadOnlyList<T> Items => [.. _store.Values];

    /// <summary>
    /// Test hook: makes the running watch end and the next one start from a resourceVersion the server has long
    /// compacted away, as after a long disconnect, so the 410 Gone path runs for real against the server.
    /// </summary>
    internal void ExpireResourceVersion(string staleResourceVersion)
    {
        lock (_watchLock)
        {
            _resourceVersion = staleResourceVersion;
            _currentWatch?.Cancel();
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_resourceVersion is null)
                {
                    await RelistAsync(cancellationToken);
                }

                bool gone = await WatchOnceAsync(cancellationToken);
                if (gone)
                {
                    LogGone(logger, name, _resourceVersion);
                    _resourceVersion = null;
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or KubernetesException or IOException or System.Text.Json.JsonException)
            {
                failures++;
                LogWatchError(logger, name, failures, e);
                if (failures >= 3)
                {
                    // The watch keeps failing from this resourceVersion: start over from a fresh list.
                    _resourceVersion = null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, failures), 10_000)), cancellationToken);
            }
        }
    }

    private async Task RelistAsync(CancellationToken cancellationToken)
    {
        var (items, rv) = await list(cancellationToken);
        Lists++;
        metrics.Relist(name);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            string key = KeyOf(item.Metadata.NamespaceProperty, item.Metadata.Name);
            seen.Add(key);
            _store.TryGetValue(key, out var old);
            _store[key] = item;
            if (old is null || old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Changed?.Invoke(old, item);
            }
        }

        foreach (var key in _store.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            if (_store.TryRemove(key, out var removed))
            {
                Changed?.Invoke(removed, null);
            }
        }

        _resourceVersion = rv;
        _synced.TrySetResult();
    }

    /// <summary>One watch until the server closes it; true when it ended with 410 Gone.</summary>
    private async Task<bool> WatchOnceAsync(CancellationToken cancellationToken)
    {
        bool gone = false;
        Exception? error = null;
        CancellationTokenSource watchCts;
        string rv;
        lock (_watchLock)
        {
            watchCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _currentWatch = watchCts;
            rv = _resourceVersion!;
        }

        try
        {
            await foreach (var (type, item) in watch(rv, e =>
            {
                if (e is KubernetesException { Status.Code: 410 })
                {
                    gone = true;
                }
                else
                {
                    error = e;
                }
            }, watchCts.Token))
            {
                if (item?.Metadata?.ResourceVersion is { } itemRv)
                {
                    _resourceVersion = itemRv;
                }

                if (type == WatchEventType.Bookmark || item?.Metadata?.Name is null)
                {
                    continue;
                }

                string key = KeyOf(item.Metadata.NamespaceProperty, item.Metadata.Name);
                if (type == WatchEventType.Deleted)
                {
                    if (_store.TryRemove(key, out var removed))
                    {
                        Changed?.Invoke(removed, null);
                    }
                }
                else if (type is WatchEventType.Added or WatchEventType.Modified)
                {
                    _store.TryGetValue(key, out var old);
                    _store[key] = item;
                    Changed?.Invoke(old, item);
                }
                else if (type == WatchEventType.Error)
                {
                    error = new InvalidOperationException($"watch of {name} reported an error event");
                }
            }
        }
        catch (OperationCanceledException) when (watchCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Ended by ExpireResourceVersion: watch again from the (stale) resourceVersion it set.
        }
        finally
        {
            lock (_watchLock)
            {
                _currentWatch = null;
            }

            watchCts.Dispose();
        }

        if (error is not null && !gone)
        {
            throw new KubernetesException(new V1Status { Message = $"watch of {name}: {error.Message}" }, error);
        }

        return gone;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Informer}: resourceVersion {ResourceVersion} is gone (410); listing again")]
    private static partial void LogGone(ILogger logger, string informer, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Informer}: watch failed ({Failures} in a row)")]
    private static partial void LogWatchError(ILogger logger, string informer, int failures, Exception exception);
}
