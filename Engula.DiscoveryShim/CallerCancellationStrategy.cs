using Grpc.Core;
using Polly;

namespace Engula.DiscoveryShim;

/// <summary>
/// The outermost strategy of <see cref="DependencyWait"/>: a step that ends because its caller cancelled ends with an
/// <see cref="OperationCanceledException"/>, whether the cancellation came during a back-off delay (Polly throws one)
/// or during a gRPC call in flight (grpc-dotnet reports <see cref="StatusCode.Cancelled"/> as an
/// <see cref="RpcException"/>). Callers then handle a stop in one way, not two.
/// </summary>
internal sealed class CallerCancellationStrategy : ResilienceStrategy
{
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        return outcome.Exception is RpcException { StatusCode: StatusCode.Cancelled } cancelled && context.CancellationToken.IsCancellationRequested
            ? Outcome.FromException<TResult>(new OperationCanceledException(cancelled.Status.Detail, cancelled, context.CancellationToken))
            : outcome;
    }

    /// <summary>The strategy has no settings; Polly asks for an options object to register it.</summary>
    internal sealed class Options : ResilienceStrategyOptions;
}
