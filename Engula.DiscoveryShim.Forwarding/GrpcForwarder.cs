using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>
/// Forwards any gRPC call (unary, client-, server- or bidi-streaming; any service and method) arriving on an
/// ASP.NET Core endpoint to a shim channel, message by message as raw bytes: each call becomes a grpc-dotnet
/// duplex call with a byte-array marshaller on the method's own path, so the channel's discovery, balancing,
/// reconnect back-off and retry classification (<see cref="EngulaCallClassification"/>) apply unchanged.
/// <list type="bullet">
/// <item>Request metadata is passed on (not <c>grpc-*</c>, hop-by-hop or trace headers, which the channel sets
/// itself); <c>grpc-timeout</c> becomes the call's deadline; gzip/deflate request messages are decompressed and
/// sent on uncompressed.</item>
/// <item>Response headers are sent as soon as the backend sends them, each message as it arrives; the status,
/// its message and the trailers pass through (the status of a call the channel failed itself — UNAVAILABLE,
/// DEADLINE_EXCEEDED — too).</item>
/// <item>Retries happen only inside the channel, for the idempotent methods, and only before response headers
/// arrive — so before any response byte was forwarded. Non-idempotent and unknown methods, and every stream
/// that has started, fail fast; the caller re-establishes them.</item>
/// <item>A call with a deadline waits for a ready backend up to it (WaitForReady); a call without one (the
/// original tonic clients set none) waits at most <see cref="GrpcForwarderOptions.NoDeadlineReadyTimeout"/>,
/// then fails with UNAVAILABLE.</item>
/// </list>
/// Not supported: gRPC-Web, TLS towards the backend, response compression towards the caller (responses are
/// always sent uncompressed).
/// </summary>
public sealed class GrpcForwarder
{
    private const int MaxCachedMethods = 1024;
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(static b => b, static b => b);

    private static readonly HashSet<string> SkippedRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "te", "host", "user-agent", "content-length", "connection", "keep-alive", "transfer-encoding",
        "upgrade", "proxy-connection", "accept-encoding", "traceparent", "tracestate", "baggage", "request-id",
        "correlation-context",
    };

    private static readonly HashSet<string> SkippedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "date", "server", "content-length", "grpc-status", "grpc-message", "grpc-encoding",
        "grpc-accept-encoding", "grpc-previous-rpc-attempts",
    };

    private readonly ConcurrentDictionary<string, Method<byte[], byte[]>> _methods = new(StringComparer.Ordinal);
    private readonly CallInvoker _invoker;
    private readonly GrpcForwarderOptions _options;
    private readonly ForwardingMetrics _metrics;
    private readonly ILogger _logger;

    /// <param name="channel">A channel from <see cref="EngulaChannelFactory"/> (any channel works; a shim channel
    /// brings discovery and retries).</param>
    /// <param name="target">The target as configured, for logs and metrics.</param>
    /// <param name="options">Forwarding settings.</param>
    /// <param name="loggerFactory">Logs.</param>
    public GrpcForwarder(GrpcChannel channel, string target, GrpcForwarderOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(channel, target, options, loggerFactory, null)
    {
    }

    internal GrpcForwarder(GrpcChannel channel, string target, GrpcForwarderOptions? options, ILoggerFactory? loggerFactory, ForwardingMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentException.ThrowIfNullOrEmpty(target);
        Channel = channel;
        Target = target;
        _invoker = channel.CreateCallInvoker();
        _options = options ?? new GrpcForwarderOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GrpcForwarder>();
        _metrics = metrics ?? new ForwardingMetrics(null);
    }

    /// <summary>The channel calls are forwarded to.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The configured target.</summary>
    public string Target { get; }

    /// <summary>Forwards the gRPC call in <paramref name="context"/>; usable as a <see cref="RequestDelegate"/>.</summary>
    public async Task ForwardAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? string.Empty;

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (request.ContentType is not { } contentType
            || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (!response.SupportsTrailers())
        {
            // gRPC needs HTTP/2 trailers; an HTTP/1.1 request (e.g. on the admin port) cannot be forwarded.
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        if (!TrySplitPath(path, out var service, out var methodName))
        {
            Finish(response, new Status(StatusCode.Unimplemented, $"malformed method path '{path}'"), null, path);
            return;
        }

        var encoding = request.Headers["grpc-encoding"].ToString();
        if (encoding.Length > 0 && encoding != "identity" && encoding != "gzip" && encoding != "deflate")
        {
            ForwardingLog.ForwardRefused(_logger, path, $"grpc-encoding '{encoding}'");
            Finish(response, new Status(StatusCode.Unimplemented, $"message encoding '{encoding}' is not supported by the shim"), null, path);
            return;
        }

        // Streams may stay idle for long (VersionUpdates); Kestrel's minimum request data rate would cut them.
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        DateTime? deadline = GrpcWire.TryParseTimeout(request.Headers["grpc-timeout"].ToString(), out var timeout)
            ? DateTime.UtcNow + timeout
            : null;

        if (deadline is null && Channel.State != ConnectivityState.Ready && !await WaitForReadyBackendAsync(context.RequestAborted))
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                Finish(response, new Status(StatusCode.Unavailable, $"no ready backend for {Target} within {_options.NoDeadlineReadyTimeout.TotalSeconds:0.#} s"), null, path);
            }

            return;
        }

        ForwardingLog.Forwarding(_logger, path, Target);
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var callOptions = new CallOptions(RequestMetadata(request.Headers), deadline, callCancellation.Token, writeOptions: null, propagationToken: null, credentials: null);
        if (deadline is not null)
        {
            callOptions = callOptions.WithWaitForReady();
        }

        using var call = _invoker.AsyncDuplexStreamingCall(GetMethod(path, service, methodName), host: null, callOptions);
        var refusal = new StrongBox<ForwardingException?>();
        var pump = PumpRequestsAsync(request.BodyReader, call.RequestStream, encoding, refusal, callCancellation);

        Status status;
        Metadata? trailers;
        try
        {
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            CopyMetadata(headers, response.Headers, SkippedResponseHeaders);

            // Headers go out when the backend sends them: tonic clients wait for them before a stream is usable.
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            var writer = response.BodyWriter;
            while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                GrpcWire.WriteMessage(writer, call.ResponseStream.Current);
                var flushed = await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    break;
                }
            }

            status = call.GetStatus();
            trailers = call.GetTrailers();
        }
        catch (RpcException e)
        {
            status = e.Status;
            trailers = e.Trailers;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
            status = new Status(StatusCode.Cancelled, "caller cancelled");
            trailers = null;
        }
        finally
        {
            // Ends the request pump if the response finished before the caller's request stream did.
            await callCancellation.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }

        if (refusal.Value is { } refused)
        {
            ForwardingLog.ForwardRefused(_logger, path, refused.Message);
            status = new Status(refused.Code, refused.Message);
            trailers = null;
        }

        if (!context.RequestAborted.IsCancellationRequested)
        {
            Finish(response, status, trailers, path);
        }
        else
        {
            _metrics.Forwarded(Target, path, StatusCode.Cancelled);
        }
    }

    private async Task<bool> WaitForReadyBackendAsync(CancellationToken aborted)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        wait.CancelAfter(_options.NoDeadlineReadyTimeout);
        try
        {
            await Channel.ConnectAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PumpRequestsAsync(PipeReader reader, IClientStreamWriter<byte[]> requests, string encoding, StrongBox<ForwardingException?> refusal, CancellationTokenSource callCancellation)
    {
        var cancellationToken = callCancellation.Token;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                if (GrpcWire.TryReadMessage(ref buffer, _options.MaxMessageSize, out var compressed, out var payload))
                {
                    reader.AdvanceTo(buffer.Start);
                    if (compressed)
                    {
                        payload = encoding is "gzip" or "deflate"
                            ? GrpcWire.Decompress(payload, encoding, _options.MaxMessageSize)
                            : throw new ForwardingException(StatusCode.Internal, "compressed message without a grpc-encoding");
                    }

                    await requests.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (read.IsCompleted)
                {
                    var rest = buffer.Length;
                    reader.AdvanceTo(buffer.End);
                    if (rest > 0)
                    {
                        throw new ForwardingException(StatusCode.Internal, $"request ended inside a gRPC message ({rest} stray bytes)");
                    }

                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (ForwardingException e)
        {
            refusal.Value = e;
            await callCancellation.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException or ConnectionResetException)
        {
            // The call ended (backend answered or failed, or the caller left) while requests were still coming:
            // the response side reports the outcome.
        }
    }

    private void Finish(HttpResponse response, Status status, Metadata? trailers, string path)
    {
        _metrics.Forwarded(Target, path, status.StatusCode);
        ForwardingLog.ForwardCompleted(_logger, path, Target, status.StatusCode, status.Detail);
        var code = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!response.HasStarted)
        {
            // Trailers-Only response: the status travels in the (only) HEADERS frame.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = code;
            if (!string.IsNullOrEmpty(status.Detail))
            {
                response.Headers["grpc-message"] = GrpcWire.EncodeStatusMessage(status.Detail);
            }

            if (trailers is not null)
            {
                CopyMetadata(trailers, response.Headers, SkippedResponseHeaders);
            }

            return;
        }

        response.AppendTrailer("grpc-status", code);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer("grpc-message", GrpcWire.EncodeStatusMessage(status.Detail));
        }

        if (trailers is not null)
        {
            foreach (var entry in trailers)
            {
                if (!SkippedResponseHeaders.Contains(entry.Key))
                {
                    response.AppendTrailer(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
                }
            }
        }
    }

    private Method<byte[], byte[]> GetMethod(string path, string service, string method)
    {
        if (_methods.TryGetValue(path, out var cached))
        {
            return cached;
        }

        var created = new Method<byte[], byte[]>(MethodType.DuplexStreaming, service, method, Raw, Raw);

        // Paths come from callers; a bounded cache keeps a client that invents method names from growing it.
        if (_methods.Count < MaxCachedMethods)
        {
            _methods.TryAdd(path, created);
        }

        return created;
    }

    private Metadata RequestMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (key.StartsWith(':') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || SkippedRequestHeaders.Contains(key))
            {
                continue;
            }

            var name = key.ToLowerInvariant();
            foreach (var value in values)
            {
                try
                {
                    if (name.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                    {
                        metadata.Add(name, GrpcWire.DecodeBinaryHeader(value ?? string.Empty));
                    }
                    else
                    {
                        metadata.Add(name, value ?? string.Empty);
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    ForwardingLog.ForwardRefused(_logger, name, "dropped a request header that is not valid gRPC metadata: " + e.Message);
                }
            }
        }

        return metadata;
    }

    private static void CopyMetadata(Metadata metadata, IHeaderDictionary target, HashSet<string> skipped)
    {
        foreach (var entry in metadata)
        {
            if (skipped.Contains(entry.Key))
            {
                continue;
            }

            var value = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
            target.Append(entry.Key, value);
        }
    }

    private static bool TrySplitPath(string path, out string service, out string method)
    {
        service = method = string.Empty;
        if (path.Length < 4 || path[0] != '/')
        {
            return false;
        }

        var slash = path.IndexOf('/', 1);
        if (slash <= 1 || slash == path.Length - 1 || path.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        service = path[1..slash];
        method = path[(slash + 1)..];
        return true;
    }
}
