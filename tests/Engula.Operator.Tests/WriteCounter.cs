namespace Engula.Operator.Tests;

/// <summary>Counts every request of the operator's client that is not a GET (PATCH, POST, PUT, DELETE = API writes).</summary>
public sealed class WriteCounter : DelegatingHandler
{
    private readonly List<string> _writes = [];

    public int Count
    {
        get
        {
            lock (_writes)
            {
                return _writes.Count;
            }
        }
    }

    public IReadOnlyList<string> Writes
    {
        get
        {
            lock (_writes)
            {
                return [.. _writes];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get)
        {
            lock (_writes)
            {
                _writes.Add($"{request.Method} {request.RequestUri?.AbsolutePath}");
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
