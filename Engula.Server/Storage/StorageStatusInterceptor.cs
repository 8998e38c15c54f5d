using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Storage;

/// <summary>
/// Turns every failure of a storage call into a status (spec §3.1): <see cref="StorageException"/> into its own code,
/// I/O errors into UNKNOWN with the OS message (as the original), a cancelled call into CANCELLED, anything unexpected
/// into INTERNAL with an error log. A bad request never takes the process down.
/// </summary>
internal sealed class StorageStatusInterceptor(ILogger<StorageStatusInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception error, ServerCallContext context) => error switch
    {
        StorageException e => new RpcException(new Status(e.Status, e.Message)),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => new RpcException(new Status(StatusCode.Cancelled, "call cancelled")),
        IOException or UnauthorizedAccessException => new RpcException(new Status(StatusCode.Unknown, "storage i/o error: " + error.Message)),
        _ => Unexpected(error, context),
    };

    private RpcException Unexpected(Exception error, ServerCallContext context)
    {
        StorageLog.UnexpectedFailure(logger, error, context.Method);
        return new RpcException(new Status(StatusCode.Internal, $"storage internal error: {error.GetType().Name}: {error.Message}"));
    }
}
