using Engula.Server.Files;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Engula.Server.Runtime;

/// <summary>
/// Turns every failure of a component's call into a gRPC status: the component's own exceptions into their
/// codes (<see cref="ComponentException"/>), a full disk into RESOURCE_EXHAUSTED, other I/O errors into UNKNOWN (as the original did for Io) with the OS message, a cancelled
/// call into CANCELLED, and anything unexpected into INTERNAL with its message and an error log — so a bad request never
/// takes the process down and never hides behind grpc-dotnet's bare "Exception was thrown by handler".
/// </summary>
/// <remarks>Registered per service with the component's name: <c>Interceptors.Add&lt;StatusMappingInterceptor&gt;("journal")</c>.</remarks>
internal sealed partial class StatusMappingInterceptor(string component, ILogger<StatusMappingInterceptor> logger) : Interceptor
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

    private RpcException Map(Exception error, ServerCallContext context)
    {
        if (error is ComponentException known)
        {
            return new RpcException(new Status(known.Status, known.Message));
        }

        switch (error)
        {
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "call cancelled"));
            case IOException when DiskSpace.IsFull(error):
                return new RpcException(new Status(StatusCode.ResourceExhausted, $"{component} out of disk space: {error.Message}"));
            case IOException or UnauthorizedAccessException:
                return new RpcException(new Status(StatusCode.Unknown, $"{component} i/o error: {error.Message}"));
            default:
                LogUnexpectedFailure(logger, error, component, context.Method);
                return new RpcException(new Status(StatusCode.Internal, $"{component} internal error: {error.GetType().Name}: {error.Message}"));
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "{Component} call {Method} failed unexpectedly")]
    private static partial void LogUnexpectedFailure(ILogger logger, Exception exception, string component, string method);
}
