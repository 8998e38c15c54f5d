namespace Engula.Operator.Bench;

/// <summary>
/// Counts every non-GET request (POST, PATCH, PUT, DELETE = an API write) of the client it wraps. Independent of the
/// operator's own metric, so a write the metric forgets still shows up.
/// </summary>
public sealed class HttpWriteCounter : DelegatingHandler
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get)
        {
            Interlocked.Increment(ref _count);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
