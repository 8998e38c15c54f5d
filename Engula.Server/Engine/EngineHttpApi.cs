using System.Text;

namespace Engula.Server.Engine;

/// <summary>The engine's HTTP/1.1 API (CONTRACTS §2): the original's <c>GET /put</c> and <c>GET /get</c>, plus <c>/kv/{key}</c>.</summary>
public static class EngineHttpApi
{
    private const string TextPlain = "text/plain; charset=utf-8";

    public static void Map(WebApplication app)
    {
        app.MapGet("/put", Put);
        app.MapGet("/get", Get);
        app.MapPut("/kv/{key}", PutKv);
        app.MapGet("/kv/{key}", GetKv);
        app.MapDelete("/kv/{key}", DeleteKv);
    }

    private static async Task<IResult> Put(HttpContext context, HashEngine engine, EngineOptions options)
    {
        var query = context.Request.Query;
        if (!query.TryGetValue("key", out var keyValues) || string.IsNullOrEmpty(keyValues.ToString()))
        {
            return BadRequest("missing or empty query parameter 'key'");
        }

        if (!query.TryGetValue("value", out var valueValues))
        {
            return BadRequest("missing query parameter 'value'");
        }

        var key = Encoding.UTF8.GetBytes(keyValues.ToString());
        var value = Encoding.UTF8.GetBytes(valueValues.ToString());
        return CheckSizes(key, value.Length, options) ?? await WriteAsync(engine, key, value, Results.Text("put success", TextPlain));
    }

    private static IResult Get(HttpContext context, HashEngine engine)
    {
        var key = context.Request.Query["key"].ToString();
        if (string.IsNullOrEmpty(key))
        {
            return BadRequest("missing or empty query parameter 'key'");
        }

        var bytes = Encoding.UTF8.GetBytes(key);
        if (bytes.Length > EngineOptions.MaxKeyBytes)
        {
            return TooLarge($"key exceeds {EngineOptions.MaxKeyBytes} bytes");
        }

        return engine.TryGet(bytes, out var value) ? Results.Bytes(value!, TextPlain) : Results.StatusCode(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> PutKv(string key, HttpContext context, HashEngine engine, EngineOptions options)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (keyBytes.Length > EngineOptions.MaxKeyBytes)
        {
            return TooLarge($"key exceeds {EngineOptions.MaxKeyBytes} bytes");
        }

        if (context.Request.ContentLength > options.MaxValueBytes)
        {
            return TooLarge($"value exceeds {options.MaxValueBytes} bytes");
        }

        // Read at most one byte more than allowed, so an oversized chunked body is refused without buffering it all.
        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > options.MaxValueBytes)
            {
                return TooLarge($"value exceeds {options.MaxValueBytes} bytes");
            }
        }

        return await WriteAsync(engine, keyBytes, body.ToArray(), Results.NoContent());
    }

    private static IResult GetKv(string key, HashEngine engine)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (keyBytes.Length > EngineOptions.MaxKeyBytes)
        {
            return TooLarge($"key exceeds {EngineOptions.MaxKeyBytes} bytes");
        }

        return engine.TryGet(keyBytes, out var value) ? Results.Bytes(value!, "application/octet-stream") : Results.NotFound();
    }

    private static async Task<IResult> DeleteKv(string key, HashEngine engine)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (keyBytes.Length > EngineOptions.MaxKeyBytes)
        {
            return TooLarge($"key exceeds {EngineOptions.MaxKeyBytes} bytes");
        }

        return await WriteAsync(engine, keyBytes, null, Results.NoContent());
    }

    private static IResult? CheckSizes(byte[] key, int valueLength, EngineOptions options) =>
        key.Length > EngineOptions.MaxKeyBytes ? TooLarge($"key exceeds {EngineOptions.MaxKeyBytes} bytes")
        : valueLength > options.MaxValueBytes ? TooLarge($"value exceeds {options.MaxValueBytes} bytes")
        : null;

    private static async Task<IResult> WriteAsync(HashEngine engine, byte[] key, byte[]? value, IResult success)
    {
        try
        {
            await engine.WriteAsync(key, value);
            return success;
        }
        catch (EngineUnavailableException e)
        {
            return Results.Text(e.Message, TextPlain, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult BadRequest(string reason) => Results.Text(reason, TextPlain, statusCode: StatusCodes.Status400BadRequest);

    private static IResult TooLarge(string reason) => Results.Text(reason, TextPlain, statusCode: StatusCodes.Status413PayloadTooLarge);
}
