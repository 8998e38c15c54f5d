using Engula.DiscoveryShim;
using Engula.Protocol.Journal;
using Engula.Protocol.Storage;
using Grpc.Core;

namespace Engula.Server.Kernel;

/// <summary>
/// Creates stream <c>DEFAULT</c> in the journal and bucket <c>DEFAULT</c> in storage, waiting with back-off until both
/// answer — in any start order — instead of exiting, as the original did. Until then the kernel is NOT_SERVING.
/// </summary>
public sealed partial class KernelBootstrapper(DataPeers peers, ComponentReadiness readiness, ILogger<KernelBootstrapper> logger) : BackgroundService
{
    public const string DefaultName = EngulaNames.Default;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.MarkNotReady($"waiting for journal {peers.JournalAddress} and storage {peers.StorageAddress}");
        var journal = DependencyWait.Create(logger, "journal " + peers.JournalAddress).ExecuteAsync(async ct =>
        {
            try
            {
                await peers.Journal.CreateStreamAsync(new CreateStreamRequest { Stream = DefaultName }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
            }
        }, stoppingToken);
        var storage = DependencyWait.Create(logger, "storage " + peers.StorageAddress).ExecuteAsync(async ct =>
        {
            try
            {
                await peers.Storage.CreateBucketAsync(new CreateBucketRequest { Bucket = DefaultName }, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
            }
        }, stoppingToken);

        try
        {
            await Task.WhenAll(journal.AsTask(), storage.AsTask());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        readiness.MarkReady();
        LogReady(logger, peers.JournalAddress.Original, peers.StorageAddress.Original);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kernel ready: journal {Journal} and storage {Storage} answer")]
    private static partial void LogReady(ILogger logger, string journal, string storage);
}
