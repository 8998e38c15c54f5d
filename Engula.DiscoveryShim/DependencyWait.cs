using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Engula.DiscoveryShim;

/// <summary>
/// A Polly pipeline for start-up dependencies ("wait until the journal answers"): retries forever with
/// exponential back-off and jitter, capped so a recovered peer is noticed quickly. Cancellation ends the wait.
/// </summary>
public static class DependencyWait
{
    public static ResiliencePipeline Create(ILogger logger, string dependency, TimeSpan? maxDelay = null, TimeProvider? timeProvider = null)
    {
        var builder = new ResiliencePipelineBuilder();
        if (timeProvider is not null)
        {
            builder.TimeProvider = timeProvider;
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = maxDelay ?? TimeSpan.FromSeconds(2),
            OnRetry = args =>
            {
                logger.LogInformation("Waiting for {Dependency} (attempt {Attempt}, next in {Delay}): {Error}",
                    dependency, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
