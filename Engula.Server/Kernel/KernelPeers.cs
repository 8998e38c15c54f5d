using Engula.DiscoveryShim;
using Engula.Protocol.Journal;
using Engula.Protocol.Storage;
using Grpc.Net.Client;

namespace Engula.Server.Kernel;

/// <summary>The kernel's journal and storage: the addresses it reports in <c>PlaceLookup</c> and the clients it uses.</summary>
public sealed class KernelPeers : IDisposable
{
    private readonly GrpcChannel _journalChannel;
    private readonly GrpcChannel _storageChannel;

    public KernelPeers(PeerAddress journalAddress, PeerAddress storageAddress, EngulaChannelFactory channels)
    {
        ArgumentNullException.ThrowIfNull(journalAddress);
        ArgumentNullException.ThrowIfNull(storageAddress);
        ArgumentNullException.ThrowIfNull(channels);
        JournalAddress = journalAddress;
        StorageAddress = storageAddress;
        _journalChannel = channels.CreateChannel(journalAddress);
        _storageChannel = channels.CreateChannel(storageAddress);
        Journal = new Protocol.Journal.Journal.JournalClient(_journalChannel);
        Storage = new Protocol.Storage.Storage.StorageClient(_storageChannel);
    }

    /// <summary>The journal address in the form the kernel was given; engines get it verbatim from <c>PlaceLookup</c>.</summary>
    public PeerAddress JournalAddress { get; }

    public PeerAddress StorageAddress { get; }

    public Protocol.Journal.Journal.JournalClient Journal { get; }

    public Protocol.Storage.Storage.StorageClient Storage { get; }

    /// <summary>
    /// An address as <c>PlaceLookup</c> reports it: as given, except that <c>http://host:port</c> becomes
    /// <c>host:port</c>, because the original tonic client dials <c>"http://" + value</c>.
    /// </summary>
    public static string ForPlaceLookup(PeerAddress address)
    {
        var given = address.Original;
        return given.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? given["http://".Length..].TrimEnd('/') : given;
    }

    public void Dispose()
    {
        _journalChannel.Dispose();
        _storageChannel.Dispose();
    }
}
