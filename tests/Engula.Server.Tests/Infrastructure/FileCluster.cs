namespace Engula.Server.Tests.Infrastructure;

/// <summary>Journal, storage, kernel and engine as four real <c>engula</c> processes in file mode on one data directory.</summary>
public sealed class FileCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <param name="journalDirectory">Where the journal keeps its data, when not under <paramref name="dataDirectory"/>
    /// (a small file system of its own, say).</param>
    /// <param name="storageDirectory">Where storage keeps its data, likewise.</param>
    public FileCluster(string dataDirectory, long flushThreshold = 64 * 1024, IEnumerable<string>? engineArguments = null, string? journalDirectory = null, string? storageDirectory = null,
        IReadOnlyDictionary<string, string>? engineEnvironment = null)
    {
        StorageDirectory = storageDirectory ?? Path.Combine(dataDirectory, "storage");
        var journalAddress = $"127.0.0.1:{FreePort.Next()}";
        var storageAddress = $"127.0.0.1:{FreePort.Next()}";
        var kernelAddress = $"127.0.0.1:{FreePort.Next()}";
        var engineAddress = $"127.0.0.1:{FreePort.Next()}";
        Journal = new EngulaProcess("journal", journalAddress, null, "journal", "run", journalAddress, "--file", journalDirectory ?? Path.Combine(dataDirectory, "journal"));
        Storage = new EngulaProcess("storage", storageAddress, null, "storage", "run", storageAddress, "--file", StorageDirectory);
        Kernel = new EngulaProcess("kernel", kernelAddress, null, "kernel", "run", kernelAddress, "--journal", journalAddress, "--storage", storageAddress,
            "--file", Path.Combine(dataDirectory, "kernel", "manifest"));
        Engine = new EngulaProcess("engine", engineAddress, engineEnvironment, ["engine", "run", engineAddress, "--kernel", kernelAddress,
            "--flush-threshold", flushThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture), .. engineArguments ?? []]);
        KernelAddress = kernelAddress;
    }

    /// <summary>The storage server's data directory.</summary>
    public string StorageDirectory { get; }

    public string KernelAddress { get; }

    /// <summary>The names of the engine's objects in storage (its bucket's files).</summary>
    public IReadOnlySet<string> StoredObjects()
    {
        var bucket = Directory.GetDirectories(StorageDirectory, Engula.Server.Engine.HashEngine.BucketName, SearchOption.AllDirectories).Single();
        return Directory.GetFiles(bucket).Select(f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Total bytes of the engine's objects in storage.</summary>
    public long StoredBytes()
    {
        var bucket = Directory.GetDirectories(StorageDirectory, Engula.Server.Engine.HashEngine.BucketName, SearchOption.AllDirectories).Single();
        return Directory.GetFiles(bucket).Sum(f => new FileInfo(f).Length);
    }

    public EngulaProcess Journal { get; }

    public EngulaProcess Storage { get; }

    public EngulaProcess Kernel { get; }

    public EngulaProcess Engine { get; }

    public IReadOnlyList<EngulaProcess> All => [Journal, Storage, Kernel, Engine];

    /// <summary>Starts all four at once (start order must not matter) and waits until the engine answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var process in All)
        {
            process.Start();
        }

        await Engine.WaitForHttpHealthyAsync(StartTimeout, cancellationToken);
    }

    /// <summary>SIGKILLs all four and starts them again: what was acknowledged must be durable, not just in memory.</summary>
    public async Task KillAllAndStartAsync(CancellationToken cancellationToken)
    {
        foreach (var process in All)
        {
            await process.KillAsync();
        }

        await StartAsync(cancellationToken);
    }

    public async Task RestartAsync(EngulaProcess process, CancellationToken cancellationToken)
    {
        await process.KillAsync();
        process.Start();
        if (process == Engine)
        {
            await Engine.WaitForHttpHealthyAsync(StartTimeout, cancellationToken);
        }
        else
        {
            await process.WaitForServingAsync(StartTimeout, cancellationToken);
        }
    }

    public string Diagnostics() => string.Join("\n", All.Select(p => $"--- {p.Name} (exit {p.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}):\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in All)
        {
            await process.DisposeAsync();
        }
    }
}
