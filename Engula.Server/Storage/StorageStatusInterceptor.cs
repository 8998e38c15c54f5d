using Engula.Server.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Storage;

/// <summary>Storage failures as statuses: <see cref="StorageException"/> carries its own code; the rest as
/// <see cref="StatusMappingInterceptor"/>.</summary>
internal sealed class StorageStatusInterceptor(ILogger<StorageStatusInterceptor> logger) : StatusMappingInterceptor("storage")
{
    protected override Status? MapKnown(Exception error) => error is StorageException e ? new Status(e.Status, e.Message) : null;

    protected override void LogUnexpected(Exception error, string method) => StorageLog.UnexpectedFailure(logger, error, method);
}
