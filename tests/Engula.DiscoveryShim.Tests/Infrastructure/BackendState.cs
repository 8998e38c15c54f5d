using System.Collections.Concurrent;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>What the test backends saw, shared across restarts of a backend (so a call counted before a kill
/// and its retry after the restart add up), and switches that make them hold a call.</summary>
public sealed class BackendState
{
    private readonly ConcurrentDictionary<(string Backend, string Path), int> _calls = new();
    private TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>While set, CreateStream/AppendEvent count the call, signal <see cref="Applied"/> and then never
    /// answer — as a server that applied a request and died before responding.</summary>
    public volatile bool HoldMutations;

    public Task Applied => _applied.Task;

    public void SignalApplied() => _applied.TrySetResult();

    public void ResetApplied() => _applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Count(string backend, string path) => _calls.AddOrUpdate((backend, path), 1, (_, n) => n + 1);

    public int Calls(string backend, string path) => _calls.TryGetValue((backend, path), out var n) ? n : 0;

    public int Calls(string path) => _calls.Where(c => c.Key.Path == path).Sum(c => c.Value);

    public int CallsTo(string backend) => _calls.Where(c => c.Key.Backend == backend).Sum(c => c.Value);

    public void Reset() => _calls.Clear();
}
