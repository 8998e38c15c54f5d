using Engula.Operator.Runtime;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Engula.Operator;

/// <summary>
/// One operator instance: waits to hold the leader Lease (coordination.k8s.io/v1), runs the controllers while it
/// does, and returns when leadership is lost (the process then exits and is restarted, the usual controller
/// pattern: no half-stopped state). On a clean stop the leader deletes its Lease, so a standby takes over in about
/// a second instead of waiting for the lease to expire (recipe §4).
/// </summary>
public sealed partial class OperatorHost(k8s.Kubernetes client, OperatorOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<OperatorHost>();
    private readonly TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile EngulaController? _controller;

    public OperatorMetrics Metrics { get; } = new();

    public OperatorOptions Options => options;

    /// <summary>The running controllers while leading, else null.</summary>
    public EngulaController? Controller => _controller;

    /// <summary>Completes when this instance first becomes the leader.</summary>
    public Task Leading => _leading.Task;

    /// <summary>Ready for traffic: a standby is ready (it only waits); a leader once its caches are synced.</summary>
    public bool IsReady => _controller is null || _controller.Started.IsCompletedSuccessfully;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (returns 0) or leadership is lost (returns 1).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var leaseLock = new LeaseLock(client, options.LeaseNamespace, options.LeaseName, options.Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task controllerRun = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            LogLeading(_logger, options.Identity, options.LeaseNamespace, options.LeaseName);
            Metrics.SetLeader(true);
            var controller = new EngulaController(client, options, Metrics, loggerFactory, time);
            _controller = controller;
            controllerRun = controller.RunAsync(leading.Token);
            _leading.TrySetResult();
        };
        elector.OnStoppedLeading += () =>
        {
            Metrics.SetLeader(false);
            leading.Cancel();
        };
        elector.OnError += e => LogElectionError(_logger, e);

        bool lost = false;
        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
            lost = !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await leading.CancelAsync();
            try
            {
                await controllerRun;
            }
            catch (OperationCanceledException)
            {
            }

            _controller = null;
            Metrics.SetLeader(false);
        }

        if (!lost && _leading.Task.IsCompleted)
        {
            await ReleaseLeaseAsync();
        }

        if (lost)
        {
            LogLost(_logger, options.Identity);
        }

        return lost ? 1 : 0;
    }

    /// <summary>Deletes the Lease if this instance still holds it (a null holder would block everyone, recipe §4).</summary>
    private async Task ReleaseLeaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, options.LeaseNamespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity == options.Identity)
            {
                await client.CoordinationV1.DeleteNamespacedLeaseAsync(options.LeaseName, options.LeaseNamespace,
                    new k8s.Models.V1DeleteOptions { Preconditions = new k8s.Models.V1Preconditions { ResourceVersion = lease.Metadata.ResourceVersion } },
                    cancellationToken: timeout.Token);
            }
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // Best effort: otherwise the standby takes over when the lease expires.
            LogReleaseFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads (Lease {LeaseNamespace}/{LeaseName}); starting controllers")]
    private static partial void LogLeading(ILogger logger, string identity, string leaseNamespace, string leaseName);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Identity} lost the leader Lease; stopping")]
    private static partial void LogLost(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "leader election error")]
    private static partial void LogElectionError(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not release the leader Lease")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
