namespace Engula.Operator.Hosting;

/// <summary>
/// Runs the <see cref="OperatorHost"/> for as long as the host runs: the host's stop (SIGTERM, Ctrl+C) is the
/// operator's clean stop, so the leader releases its Lease before the process exits.
/// </summary>
internal sealed class OperatorService(OperatorHost host) : BackgroundService
{
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The operator's exit code once it has stopped (0 after a clean stop); faulted by the defect that ended it.</summary>
    public Task<int> Exit => _exit.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            _exit.TrySetResult(await host.RunAsync(stoppingToken));
        }
        catch (Exception e)
        {
            // The host logs it and stops (BackgroundServiceExceptionBehavior.StopHost); Exit tells the command line.
            _exit.TrySetException(e);
            throw;
        }
    }
}
