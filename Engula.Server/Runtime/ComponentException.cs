using Grpc.Core;

namespace Engula.Server.Runtime;

/// <summary>
/// A component's failure that maps to one gRPC status. A store raises it; <see cref="StatusMappingInterceptor"/> turns
/// it into the call's status, so that stores never depend on how a call is answered.
/// </summary>
public abstract class ComponentException : Exception
{
    protected ComponentException(StatusCode status, string message, Exception? innerException)
        : base(message, innerException)
    {
        Status = status;
    }

    /// <summary>The status the call is answered with.</summary>
    public StatusCode Status { get; }
}
