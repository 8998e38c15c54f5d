using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Engula.Server.Engine;

/// <summary>
/// Serves the original v0.2 API, <c>GET /put?key=K&amp;value=V</c> and <c>GET /get?key=K</c>, ahead of
/// the endpoints. These two routes carry nearly all of the engine's traffic (the original clients and the benchmark
/// use them), and answering them here skips an endpoint's per-request service scope, parameter binding and result
/// objects. On the 2-core benchmark machine the engine's CPU work between the journal's acknowledgement and the next
/// group commit is on a put's critical path: this cut the engine's user CPU per put by ~10 % and raised gets/s by
/// 23–38 % (docs/benchmarks.md). The <c>/kv/{key}</c> routes stay endpoints (<see cref="EngineHttpApi"/>).
/// </summary>
internal sealed class OriginalApiMiddleware(RequestDelegate next, HashEngine engine, EngineOptions options)
{
    private const string MissingKey = "missing or empty query parameter 'key'";

    private static readonly byte[] PutSuccess = "put success"u8.ToArray();

    private static readonly KeyValuePair<string, object?> PutRouteTag = new("http.route", "/put");
    private static readonly KeyValuePair<string, object?> GetRouteTag = new("http.route", "/get");

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (IsRoute(path, "/put"))
        {
            TagRoute(context, PutRouteTag);
            return HttpMethods.IsGet(context.Request.Method) ? PutAsync(context) : MethodNotAllowed(context.Response);
        }

        if (IsRoute(path, "/get"))
        {
            TagRoute(context, GetRouteTag);
            return HttpMethods.IsGet(context.Request.Method) ? GetAsync(context) : MethodNotAllowed(context.Response);
        }

        return next(context);
    }

    // Endpoints give http.server.request.duration its http.route tag; without an endpoint the route is added here, so
    // the dashboards still split puts from gets.
    private static void TagRoute(HttpContext context, KeyValuePair<string, object?> route) =>
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(route);

    // As endpoint routing matches a literal route: case-insensitive, with or without one trailing slash.
    private static bool IsRoute(string? path, string route) =>
        path is not null && path.StartsWith(route, StringComparison.OrdinalIgnoreCase)
        && (path.Length == route.Length || (path.Length == route.Length + 1 && path[^1] == '/'));

    private async Task PutAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("key", out var keyValues) || string.IsNullOrEmpty(keyValues.ToString()))
        {
            await EngineHttpApi.WriteTextAsync(context.Response, StatusCodes.Status400BadRequest, MissingKey);
            return;
        }

        if (!query.TryGetValue("value", out var valueValues))
        {
            await EngineHttpApi.WriteTextAsync(context.Response, StatusCodes.Status400BadRequest, "missing query parameter 'value'");
            return;
        }

        var key = Encoding.UTF8.GetBytes(keyValues.ToString());
        var value = Encoding.UTF8.GetBytes(valueValues.ToString());
        if (EngineHttpApi.Oversize(key, value.Length, options) is { } reason)
        {
            await EngineHttpApi.WriteTextAsync(context.Response, StatusCodes.Status413PayloadTooLarge, reason);
            return;
        }

        try
        {
            await engine.WriteAsync(key, value, context.RequestAborted);
        }
        catch (EngineUnavailableException e)
        {
            await EngineHttpApi.WriteFailureAsync(context.Response, e);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client is gone; nobody reads the answer
        }

        context.Response.ContentType = EngineHttpApi.TextPlain;
        context.Response.ContentLength = PutSuccess.Length;
        await context.Response.Body.WriteAsync(PutSuccess, context.RequestAborted);
    }

    private Task GetAsync(HttpContext context)
    {
        var key = context.Request.Query["key"].ToString();
        if (string.IsNullOrEmpty(key))
        {
            return EngineHttpApi.WriteTextAsync(context.Response, StatusCodes.Status400BadRequest, MissingKey);
        }

        var bytes = Encoding.UTF8.GetBytes(key);
        if (EngineHttpApi.Oversize(bytes, 0, options) is { } reason)
        {
            return EngineHttpApi.WriteTextAsync(context.Response, StatusCodes.Status413PayloadTooLarge, reason);
        }

        if (!engine.TryGet(bytes, out var value))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = EngineHttpApi.TextPlain;
        context.Response.ContentLength = value!.Length;
        return context.Response.Body.WriteAsync(value, context.RequestAborted).AsTask();
    }

    private static Task MethodNotAllowed(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        response.Headers.Allow = HttpMethods.Get;
        return Task.CompletedTask;
    }
}
