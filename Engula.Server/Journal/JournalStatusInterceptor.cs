using Engula.Server.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Journal;

/// <summary>Journal failures as statuses: <see cref="JournalException"/> carries its own code; the rest as
/// <see cref="StatusMappingInterceptor"/>.</summary>
internal sealed class JournalStatusInterceptor(ILogger<JournalStatusInterceptor> logger) : StatusMappingInterceptor("journal")
{
    protected override Status? MapKnown(Exception error) => error is JournalException e ? new Status(e.Status, e.Message) : null;

    protected override void LogUnexpected(Exception error, string method) => JournalLog.UnexpectedFailure(logger, error, method);
}
