using Grpc.Core;

namespace Engula.DiscoveryShim;

/// <summary>Call options for Engula clients.</summary>
public static class EngulaCallOptions
{
    /// <summary>
    /// WaitForReady with a deadline: while no endpoint of the peer is ready (restarting, not started yet, scaled
    /// to zero) the call waits instead of failing at once, and gives up with DEADLINE_EXCEEDED at the deadline.
    /// Together with the channel's retries of idempotent methods this rides out a peer restart shorter than the
    /// timeout (measured: bench/shim, <c>outage</c>). Non-idempotent calls still fail with UNAVAILABLE if their
    /// connection breaks after the request was sent.
    /// </summary>
    public static CallOptions WaitForReady(TimeSpan timeout, CancellationToken cancellationToken = default, Metadata? headers = null)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a deadline must be in the future");
        }

        return new CallOptions(headers, DateTime.UtcNow + timeout, cancellationToken).WithWaitForReady();
    }
}
