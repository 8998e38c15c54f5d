using System.Net;
using System.Net.Sockets;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Polly;
using Polly.Retry;

namespace Engula.Operator;

/// <summary>
/// One operator instance: waits to hold the leader Lease (coordination.k8s.io/v1), runs the controllers while it
/// does, and goes back to waiting when leadership is lost. It never exits on a transient error: an API server
/// that cannot be reached (at start, or later) is retried with exponential back-off and jitter, and readiness is
/// false meanwhile. On a clean stop (SIGTERM) the leader deletes its Lease, so a standby takes over within one
/// retry period instead of waiting for the lease to expire. Deleting, rather than writing an empty holder, matters:
/// the client library's elector treats a Lease with no holder as one to create, and the create then conflicts
/// forever.
/// </summary>
internal sealed partial class OperatorHost(IKubernetes client, OperatorOptions options, OperatorMetrics metrics, ILoggerFactory loggerFactory, TimeProvider? time = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<OperatorHost>();
    private readonly TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ObservedLock _lock = new(new LeaseLock(client, options.LeaseNamespace, options.LeaseName, options.Identity));
    private volatile EngulaController? _controller;
    private long _apiRetries;

    public OperatorMetrics Metrics => metrics;

    public OperatorOptions Options => options;

    /// <summary>The running controllers while leading, else null.</summary>
    public EngulaController? Controller => _controller;

    /// <summary>Completes when this instance first becomes the leader.</summary>
    public Task Leading => _leading.Task;

    /// <summary>What the last leader-election call learnt about the API server.</summary>
    public ApiContact ApiContact => _lock.Contact;

    /// <summary>How many times an election round failed for want of the API server and was retried.</summary>
    public long ApiRetries => Interlocked.Read(ref _apiRetries);

    /// <summary>
    /// Ready for traffic: the API server answers this instance, and it is either a standby (it only waits) or a
    /// leader whose caches are synced.
    /// </summary>
    public bool IsReady => _lock.Contact == ApiContact.Answered && (_controller is null || _controller.Started.IsCompletedSuccessfully);

    /// <summary>Why <see cref="IsReady"/> is false, for the readiness endpoint; null when ready.</summary>
    public string? NotReadyReason => _lock.Contact switch
    {
        ApiContact.None => "waiting for the API server",
        ApiContact.Unreachable => "the API server cannot be reached; retrying",
        ApiContact.Refused => "the API server refuses the operator's credentials (401/403)",
        _ when _controller is { Started.IsCompletedSuccessfully: false } => "caches not synced",
        _ => null,
    };

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled, then returns 0. Transient API errors are
    /// retried; only a defect (an exception that is not about reaching the API) ends it early.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ApiRetryBaseDelay,
                MaxDelay = options.ApiRetryMaxDelay,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _apiRetries);
                    LogApiUnavailable(_logger, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // One term per pass: campaign, lead until the Lease is lost, stop the controllers. A lost Lease
                // (renewals failed for a renew deadline) is not fatal: the controllers are stopped and the
                // instance campaigns again, as a standby would.
                await retry.ExecuteAsync(RunTermAsync, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return 0;
    }

    private async ValueTask RunTermAsync(CancellationToken cancellationToken)
    {
        using var elector = new LeaderElector(new LeaderElectionConfig(_lock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        });
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task controllerRun = Task.CompletedTask;
        bool led = false;
        elector.OnStartedLeading += () =>
        {
            led = true;
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

        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
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
            if (led && cancellationToken.IsCancellationRequested)
            {
                await ReleaseLeaseAsync();
            }
        }

        if (led)
        {
            LogLost(_logger, options.Identity);
        }
    }

    /// <summary>Deletes the Lease if this instance still holds it (never writes an empty holder, see the type's summary).</summary>
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
                LogReleased(_logger, options.Identity);
            }
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // Best effort: otherwise the standby takes over when the lease expires.
            LogReleaseFailed(_logger, e);
        }
    }

    /// <summary>
    /// Errors worth retrying: the API server could not be reached or answered "try later". Everything else is a
    /// defect and ends the run.
    /// </summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        // HttpClient's own timeout surfaces as a cancellation that nobody asked for.
        TaskCanceledException { InnerException: TimeoutException } => true,
        HttpOperationException h => h.Response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError,
        System.Security.Authentication.AuthenticationException => true,
        _ => false,
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Identity} leads (Lease {LeaseNamespace}/{LeaseName}); starting controllers")]
    private static partial void LogLeading(ILogger logger, string identity, string leaseNamespace, string leaseName);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Identity} lost the leader Lease; controllers stopped, campaigning again")]
    private static partial void LogLost(ILogger logger, string identity);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "leader election error")]
    private static partial void LogElectionError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "could not release the leader Lease")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "{Identity} released the leader Lease")]
    private static partial void LogReleased(ILogger logger, string identity);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "the API server cannot be reached; retrying in {DelayMs:F0} ms")]
    private static partial void LogApiUnavailable(ILogger logger, double delayMs, Exception exception);
}
