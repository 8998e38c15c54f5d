using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Journal;

/// <summary>
/// Turns every failure of a journal call into a status (spec §3.1): <see cref="JournalException"/> into its own code,
/// I/O errors into UNKNOWN (as the original did for Io) with the OS message, a cancelled call into CANCELLED, and
/// anything unexpected into INTERNAL with its message and an error log, so a bad request never takes the process down
/// and never hides behind grpc-dotnet's bare "Exception was thrown by handler".
/// </summary>
internal sealed class JournalStatusInterceptor(ILogger<JournalStatusInterceptor> logger) : Interceptor
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
        JournalException e => new RpcException(new Status(e.Status, e.Message)),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => new RpcException(new Status(StatusCode.Cancelled, "call cancelled")),
        IOException or UnauthorizedAccessException => new RpcException(new Status(StatusCode.Unknown, "journal i/o error: " + error.Message)),
        _ => Unexpected(error, context),
    };

    private RpcException Unexpected(Exception error, ServerCallContext context)
    {
        JournalLog.UnexpectedFailure(logger, error, context.Method);
        return new RpcException(new Status(StatusCode.Internal, $"journal internal error: {error.GetType().Name}: {error.Message}"));
    }
}
