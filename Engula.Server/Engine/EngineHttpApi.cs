using System.Text;

namespace Engula.Server.Engine;

/// <summary>The engine's HTTP/1.1 API (README.md, "The engine's HTTP API"): the original's <c>GET /put</c> and <c>GET /get</c>
/// (<see cref="OriginalApiMiddleware"/>), plus the <c>/kv/{key}</c> endpoints.</summary>
public static class EngineHttpApi
{
    internal const string TextPlain = "text/plain; charset=utf-8";

    public static void Map(WebApplication app)
    {
        app.UseMiddleware<OriginalApiMiddleware>();
        // Routing placed explicitly after the middleware: by default WebApplication puts it first in the pipeline, and
        // every /put and /get then paid for a route match that could only fail (and a routing metric recording it).
        app.UseRouting();
        app.MapPut("/kv/{key}", PutKv);
        app.MapGet("/kv/{key}", GetKv);
        app.MapDelete("/kv/{key}", DeleteKv);
        app.MapPost("/admin/flush", FlushNow);
    }

    /// <summary>How long <c>POST /admin/flush</c> waits for the flush before it answers 503 (the flush goes on).</summary>
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(30);

    /// <summary><c>POST /admin/flush</c>: the memtable becomes a table now (the AppHost dashboard's "Flush memtable").</summary>
    private static async Task<IResult> FlushNow(HashEngine engine, HttpContext context)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        bound.CancelAfter(FlushWait);
        try
        {
            int flushed = await engine.FlushNowAsync(bound.Token);
            return Results.Text(
                flushed == 0 ? "nothing to flush" : $"flushed {flushed} memtable{(flushed == 1 ? "" : "s")}; {engine.TableCount} tables",
                TextPlain);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Results.Text($"the flush did not finish within {FlushWait.TotalSeconds:0} s (it goes on; is storage or the kernel down?)", TextPlain, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>Why a write of <paramref name="key"/> and a value of <paramref name="valueLength"/> bytes is too large
    /// (413), or null.</summary>
    internal static string? Oversize(byte[] key, long valueLength, EngineOptions options) =>
        key.Length > EngineOptions.MaxKeyBytes ? $"key exceeds {EngineOptions.MaxKeyBytes} bytes"
        : valueLength > options.MaxValueBytes ? $"value exceeds {options.MaxValueBytes} bytes"
        : null;

    /// <summary>Answers <paramref name="status"/> with a one-line <c>text/plain</c> reason.</summary>
    internal static Task WriteTextAsync(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = TextPlain;
        return response.WriteAsync(text);
    }

    private static async Task<IResult> PutKv(string key, HttpContext context, HashEngine engine, EngineOptions options)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (Oversize(keyBytes, context.Request.ContentLength ?? 0, options) is { } reason)
        {
            return TooLarge(reason);
        }

        // Read at most one byte more than allowed, so an oversized chunked body is refused without buffering it all.
        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (Oversize(keyBytes, body.Length, options) is { } bodyReason)
            {
                return TooLarge(bodyReason);
            }
        }

        return await WriteAsync(context, engine, keyBytes, body.ToArray(), Results.NoContent());
    }

    private static IResult GetKv(string key, HashEngine engine, EngineOptions options)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (Oversize(keyBytes, 0, options) is { } reason)
        {
            return TooLarge(reason);
        }

        return engine.TryGet(keyBytes, out var value) ? Results.Bytes(value!, "application/octet-stream") : Results.NotFound();
    }

    private static async Task<IResult> DeleteKv(string key, HttpContext context, HashEngine engine, EngineOptions options)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (Oversize(keyBytes, 0, options) is { } reason)
        {
            return TooLarge(reason);
        }

        return await WriteAsync(context, engine, keyBytes, null, Results.NoContent());
    }

    private static async Task<IResult> WriteAsync(HttpContext context, HashEngine engine, byte[] key, byte[]? value, IResult success)
    {
        try
        {
            await engine.WriteAsync(key, value, context.RequestAborted);
            return success;
        }
        catch (EngineUnavailableException e)
        {
            SetRetryAfter(context.Response, e);
            return Results.Text(e.Message, TextPlain, statusCode: e.HttpStatus);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the client is gone; nobody reads the answer
        }
    }

    /// <summary>Answers a write that was not acknowledged: its status, <c>Retry-After</c> if it has one, its one-line reason.</summary>
    internal static Task WriteFailureAsync(HttpResponse response, EngineUnavailableException error)
    {
        SetRetryAfter(response, error);
        return WriteTextAsync(response, error.HttpStatus, error.Message);
    }

    private static void SetRetryAfter(HttpResponse response, EngineUnavailableException error)
    {
        if (error.RetryAfter is { } after)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static IResult TooLarge(string reason) => Results.Text(reason, TextPlain, statusCode: StatusCodes.Status413PayloadTooLarge);
}
