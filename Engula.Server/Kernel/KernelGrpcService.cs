using Engula.DiscoveryShim;
using Engula.Protocol.Kernel;
using Grpc.Core;

namespace Engula.Server.Kernel;

/// <summary><c>engula.kernel.v1.Kernel</c> (kernel.proto) with the replaying <c>VersionUpdates</c> and an
/// <c>ApplyUpdate</c> that succeeds whether or not anyone subscribes (the original
/// lost updates between CurrentVersion and subscribing, and failed ApplyUpdate with no subscriber).</summary>
public sealed partial class KernelGrpcService(VersionLog log, DataPeers peers, KernelMetrics metrics, ILogger<KernelGrpcService> logger)
    : Protocol.Kernel.Kernel.KernelBase
{
    public override Task<ApplyUpdateResponse> ApplyUpdate(ApplyUpdateRequest request, ServerCallContext context)
    {
        if (request.VersionUpdate is null)
        {
            return Task.FromResult(new ApplyUpdateResponse());
        }

        try
        {
            var applied = log.Apply(request.VersionUpdate);
            metrics.UpdateApplied();
            LogApplied(logger, applied.Sequence, applied.AddObjects.Count, applied.RemoveObjects.Count);
            return Task.FromResult(new ApplyUpdateResponse());
        }
        catch (IOException e)
        {
            LogManifestWriteFailed(logger, e);
            throw new RpcException(new Status(StatusCode.Internal, "manifest write failed: " + e.Message));
        }
    }

    public override Task<CurrentVersionResponse> CurrentVersion(CurrentVersionRequest request, ServerCallContext context) =>
        Task.FromResult(new CurrentVersionResponse { Version = log.Current });

    public override async Task VersionUpdates(VersionUpdatesRequest request, IServerStreamWriter<VersionUpdatesResponse> responseStream, ServerCallContext context)
    {
        VersionSubscription subscription;
        try
        {
            subscription = log.Subscribe(request.Sequence);
        }
        catch (SequenceOutOfRangeException e)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, e.Message));
        }

        using (subscription)
        {
            foreach (var update in subscription.Replay)
            {
                await responseStream.WriteAsync(new VersionUpdatesResponse { VersionUpdate = update }, context.CancellationToken);
            }

            try
            {
                await foreach (var update in subscription.Live.ReadAllAsync(context.CancellationToken))
                {
                    await responseStream.WriteAsync(new VersionUpdatesResponse { VersionUpdate = update }, context.CancellationToken);
                }
            }
            catch (SubscriberLaggedException e)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, e.Message));
            }
        }
    }

    public override Task<PlaceLookupResponse> PlaceLookup(PlaceLookupRequest request, ServerCallContext context) =>
        Task.FromResult(new PlaceLookupResponse
        {
            JournalAddress = ForPlaceLookup(peers.JournalAddress),
            StorageAddress = ForPlaceLookup(peers.StorageAddress),
        });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied version {Sequence} (+{Added} / -{Removed} objects)")]
    private static partial void LogApplied(ILogger logger, ulong sequence, int added, int removed);

    /// <summary>
    /// An address as <c>PlaceLookup</c> reports it: as given, except that <c>http://host:port</c> becomes
    /// <c>host:port</c>, because the original tonic client dials <c>"http://" + value</c>.
    /// </summary>
    internal static string ForPlaceLookup(PeerAddress address)
    {
        var given = address.Original;
        return given.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? given["http://".Length..].TrimEnd('/') : given;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Manifest write failed; the update was not applied")]
    private static partial void LogManifestWriteFailed(ILogger logger, Exception exception);
}
