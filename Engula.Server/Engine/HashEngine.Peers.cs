using System.Diagnostics;
using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Grpc.Core;

namespace Engula.Server.Engine;

/// <summary>How the engine's background work (recovery, flush, compaction, garbage collection) calls its peers.</summary>
/// <remarks>
/// Every call waits for its peer (gRPC wait-for-ready) within a deadline, so a peer that restarts or stalls for a few
/// seconds delays a flush instead of failing it. A table is recorded in the kernel with <c>ApplyUpdate</c>, which is
/// not idempotent: when its answer is lost the engine asks the kernel whether the table is listed (it is the only
/// writer of its version) rather than guess or apply the update twice.
/// </remarks>
public sealed partial class HashEngine
{
    /// <summary>A call that waits for its peer to be reachable, up to <paramref name="timeout"/> in all.</summary>
    private static CallOptions Waiting(TimeSpan timeout, CancellationToken cancellationToken) =>
        new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).WithWaitForReady();

    /// <summary>How long recording one table may keep trying while the kernel is away or slow to come back.</summary>
    private static readonly TimeSpan RecordBudget = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Applies <paramref name="update"/>, which adds the table <paramref name="table"/>. When an attempt's answer is
    /// lost (the kernel restarted, or came back only after the attempt's deadline), the kernel's current version tells
    /// whether it was applied; if not, the update is applied again, for up to <see cref="RecordBudget"/> in all, and
    /// then the last failure is rethrown (the flush is retried with a new upload; garbage collection removes the
    /// unrecorded object). A retry whose first attempt surfaces late lists the table twice, which readers tolerate
    /// (recovery and compaction read the list as a set).
    /// </summary>
    private async Task RecordTableAsync(VersionUpdate update, string table, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _connections.Kernel.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = update }, Waiting(CallTimeout, cancellationToken));
                return;
            }
            catch (RpcException e) when (!IsRefusal(e.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                LogRecordUncertain(_logger, table, e.StatusCode, e.Status.Detail);
                var version = await CurrentVersionAsync(cancellationToken);
                if (version.Objects.Contains(table))
                {
                    LogRecordResolved(_logger, table, version.Sequence);
                    return;
                }

                if (Stopwatch.GetElapsedTime(started) > RecordBudget)
                {
                    throw;
                }

                await Task.Delay(RetryDelay(attempt), cancellationToken);
            }
        }
    }

    /// <summary>The kernel's current version, waiting for the kernel as long as it takes (only the engine's stop ends it).</summary>
    private async Task<Protocol.Metadata.Version> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await _connections.Kernel.CurrentVersionAsync(new CurrentVersionRequest(), Waiting(CallTimeout, cancellationToken))).Version
                    ?? throw new EngineCorruptedException("kernel returned no version");
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && !IsRefusal(e.StatusCode))
            {
                await Task.Delay(RetryDelay(attempt), cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Recording table {Table} in the kernel has an unknown outcome ({Code} {Detail}); asking the kernel")]
    private static partial void LogRecordUncertain(ILogger logger, string table, StatusCode code, string detail);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Table {Table} is listed in version {Sequence}: the update was applied")]
    private static partial void LogRecordResolved(ILogger logger, string table, ulong sequence);
}
