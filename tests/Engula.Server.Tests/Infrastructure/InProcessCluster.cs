using Engula.Server.Engine;
using Engula.Server.Journal;
using Engula.Server.Kernel;
using Engula.Server.Storage;

namespace Engula.Server.Tests.Infrastructure;

/// <summary>Journal, storage and kernel servers in this process (real gRPC over loopback), and an engine on top.</summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    private readonly TempDirectory _storageDirectory;

    private InProcessCluster(RunningServer journal, RunningServer storage, RunningServer kernel, TempDirectory storageDirectory)
    {
        _storageDirectory = storageDirectory;
        Journal = journal;
        Storage = storage;
        Kernel = kernel;
    }

    public RunningServer Journal { get; private set; }

    public RunningServer Storage { get; private set; }

    public RunningServer Kernel { get; }

    public RunningServer? Engine { get; private set; }

    public static async Task<InProcessCluster> StartAsync(CancellationToken cancellationToken)
    {
        var journal = await RunningServer.StartAsync(JournalServer.Build(Loopback.AnyPort(), new JournalOptions()), cancellationToken);
        // File storage, so a storage restart keeps the engine's tables.
        var storageDirectory = new TempDirectory();
        var storage = await RunningServer.StartAsync(StorageServer.Build(Loopback.AnyPort(), new StorageOptions { Directory = storageDirectory.Path }), cancellationToken);
        var kernel = await RunningServer.StartAsync(KernelServer.Build(Loopback.AnyPort(), new KernelOptions
        {
            JournalFlag = journal.Address,
            StorageFlag = storage.Address,
        }), cancellationToken);
        return new InProcessCluster(journal, storage, kernel, storageDirectory);
    }

    /// <summary>Starts (or restarts) the engine; returns once it listens, i.e. after recovery.</summary>
    public async Task<RunningServer> StartEngineAsync(long flushThreshold, CancellationToken cancellationToken, int maxValueBytes = EngineOptions.DefaultMaxValueBytes)
    {
        if (Engine is not null)
        {
            await Engine.DisposeAsync();
        }

        Engine = await RunningServer.StartAsync(EngineServer.Build(Loopback.AnyPort(), new EngineOptions
        {
            KernelFlag = Kernel.Address,
            FlushThreshold = flushThreshold,
            MaxValueBytes = maxValueBytes,
        }), cancellationToken);
        return Engine;
    }

    /// <summary>Stops the storage server; <see cref="RestartStorageAsync"/> brings a new one up on the same port.</summary>
    public async Task StopStorageAsync() => await Storage.DisposeAsync();

    public async Task RestartStorageAsync(CancellationToken cancellationToken)
    {
        var port = int.Parse(Storage.Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        var options = new Runtime.ServerOptions { Listen = new Runtime.ListenAddress("127.0.0.1", port) };
        Storage = await RunningServer.StartAsync(StorageServer.Build(options, new StorageOptions { Directory = _storageDirectory.Path }), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null)
        {
            await Engine.DisposeAsync();
        }

        await Kernel.DisposeAsync();
        await Storage.DisposeAsync();
        await Journal.DisposeAsync();
        _storageDirectory.Dispose();
    }
}
