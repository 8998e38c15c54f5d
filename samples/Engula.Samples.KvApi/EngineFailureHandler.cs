using System.Globalization;
using Engula.Client;
using Microsoft.AspNetCore.Diagnostics;
using Polly;

namespace Engula.Samples.KvApi;

/// <summary>
/// Turns a request the engine did not complete into an answer a caller can act on, instead of a bare 500: a problem
/// document whose detail is the engine's one-line reason (for a put: <c>not applied…</c>, <c>outcome unknown…</c>,
/// <c>overloaded…</c>), with the engine's <c>Retry-After</c> passed on.
/// </summary>
internal sealed class EngineFailureHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail, retryAfter) = exception switch
        {
            // A 4xx from the engine is about the request (a counter name too long for a key): the caller's to fix.
            EngulaClientException { StatusCode: >= System.Net.HttpStatusCode.BadRequest and < System.Net.HttpStatusCode.InternalServerError } e
                => (StatusCodes.Status400BadRequest, e.Reason, null),
            // The engine answered but could not make the write durable (journal unavailable, overloaded, disk full).
            EngulaClientException e => (StatusCodes.Status503ServiceUnavailable, e.Reason, e.RetryAfter),
            // No answer at all: not listening, connection lost, or the resilience handler gave up (timeout, open circuit).
            HttpRequestException or ExecutionRejectedException => (StatusCodes.Status503ServiceUnavailable, $"the engine did not answer: {exception.Message}", (TimeSpan?)null),
            _ => (0, null, null),
        };
        if (detail is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        if (retryAfter is { } delay)
        {
            httpContext.Response.Headers.RetryAfter = Math.Ceiling(delay.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = "Engula did not complete the request", Detail = detail },
        });
    }
}
