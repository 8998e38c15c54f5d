using System.Net;
using k8s.Autorest;
using k8s.LeaderElection;

namespace Engula.Operator.Runtime;

/// <summary>What the last call of the leader-election lock learnt about the API server.</summary>
internal enum ApiContact
{
    /// <summary>No call has finished yet.</summary>
    None,

    /// <summary>The API server answered (a missing Lease and a write conflict are answers too).</summary>
    Answered,

    /// <summary>The API server answered with a refusal the operator cannot work under (401, 403).</summary>
    Refused,

    /// <summary>No answer: connection refused or reset, a timeout, DNS, TLS.</summary>
    Unreachable,
}

/// <summary>
/// Wraps the Lease lock so that every election round also tells whether the API server can be reached. The
/// elector reports failures only as exceptions or as a bare <c>false</c>; readiness needs to tell "the API is
/// away" (not ready, keep retrying) from "another instance holds the Lease" (a ready standby).
/// </summary>
internal sealed class ObservedLock(ILock inner) : ILock
{
    private volatile int _contact = (int)ApiContact.None;

    public ApiContact Contact => (ApiContact)_contact;

    public string Identity => inner.Identity;

    public string Describe() => inner.Describe();

    public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => ObserveAsync(inner.GetAsync(cancellationToken));

    public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) => ObserveAsync(inner.CreateAsync(record, cancellationToken));

    public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) => ObserveAsync(inner.UpdateAsync(record, cancellationToken));

    private async Task<T> ObserveAsync<T>(Task<T> call)
    {
        try
        {
            T result = await call.ConfigureAwait(false);
            _contact = (int)ApiContact.Answered;
            return result;
        }
        catch (HttpOperationException e)
        {
            _contact = (int)(e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ApiContact.Refused : ApiContact.Answered);
            throw;
        }
        catch (Exception e) when (OperatorHost.IsTransient(e))
        {
            _contact = (int)ApiContact.Unreachable;
            throw;
        }
    }
}
