using Engula.DiscoveryShim.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Engula.DiscoveryShim;

/// <summary>
/// A Polly v8 pipeline for start-up dependencies ("wait until the journal answers"): retries forever with
/// exponential back-off and jitter (from 100 ms, capped at <c>maxDelay</c>, default 2 s, so a peer that comes up
/// is noticed within about that cap), logging each wait. Cancellation ends the wait with an
/// <see cref="OperationCanceledException"/>, also when it cancels a call in flight. It wraps a whole start-up
/// step, never a gRPC call's transport, so it is not a second retry layer under the channel's own retries: use
/// it around calls that carry their own deadline.
/// </summary>
public static class DependencyWait
{
    public static ResiliencePipeline Create(ILogger logger, string dependency, TimeSpan? maxDelay = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(dependency);
        var cap = maxDelay ?? TimeSpan.FromSeconds(2);
        if (cap <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), maxDelay, "must be positive");
        }

        var builder = new ResiliencePipelineBuilder();
        if (timeProvider is not null)
        {
            builder.TimeProvider = timeProvider;
        }

        return builder
            .AddStrategy(_ => new CallerCancellationStrategy(), new CallerCancellationStrategy.Options())
            .AddRetry(new RetryStrategyOptions
        {
            // Everything but the caller's own cancellation: at start-up a peer may refuse, reset, time out or
            // answer NOT_SERVING/UNIMPLEMENTED (wrong pod behind the name for a moment) — all worth waiting out.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
            {
                null => false,
                OperationCanceledException => false,
                RpcException { StatusCode: StatusCode.Cancelled } when args.Context.CancellationToken.IsCancellationRequested => false,
                _ => true,
            }),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100) < cap ? TimeSpan.FromMilliseconds(100) : cap,
            MaxDelay = cap,
            OnRetry = args =>
            {
                DiscoveryLog.WaitingForDependency(logger, dependency, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
