using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Engula.Server.Kernel;
using Google.Protobuf;

namespace Engula.Server.Tests.Kernel;

public sealed class FileKernelTests : KernelConformanceTests
{
    private string _manifest = null!;

    protected override string? ManifestFile(string directory) => _manifest = Path.Combine(directory, "nested", "manifest");

    [Fact]
    public async Task The_manifest_survives_a_restart_and_its_directory_is_created()
    {
        var update = Named("1");
        update.AddMeta.Add("last_timestamp", ByteString.CopyFrom(new byte[8]));
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = update }, cancellationToken: TestContext.Current.CancellationToken);

        await RestartAsync();

        var version = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: TestContext.Current.CancellationToken)).Version;
        Assert.Equal(1ul, version.Sequence);
        Assert.Equal(["1"], version.Objects);
        Assert.True(version.Meta.ContainsKey("last_timestamp"));
        Assert.False(File.Exists(_manifest + ".tmp"));
    }

    [Fact]
    public async Task A_leftover_temp_file_from_a_crash_is_ignored()
    {
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = Named("kept") }, cancellationToken: TestContext.Current.CancellationToken);
        // A crash after writing the temp file but before the rename leaves garbage there; the manifest itself is intact.
        await File.WriteAllBytesAsync(_manifest + ".tmp", [1, 2, 3], TestContext.Current.CancellationToken);

        await RestartAsync();

        var version = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: TestContext.Current.CancellationToken)).Version;
        Assert.Equal(["kept"], version.Objects);
    }

    [Fact]
    public void A_corrupted_manifest_is_refused_rather_than_replaced_by_an_empty_version()
    {
        var path = _manifest + "-corrupt";
        var store = new FileManifestStore(path);
        var version = new Protocol.Metadata.Version { Sequence = 3 };
        version.Objects.Add("1");
        store.Save(version);
        var bytes = File.ReadAllBytes(path);
        bytes[1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<ManifestCorruptedException>(() => new FileManifestStore(path).Load());
    }

    [Fact]
    public void A_manifest_written_by_the_original_kernel_is_read()
    {
        var path = _manifest + "-original";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var version = new Protocol.Metadata.Version { Sequence = 9 };
        version.Objects.Add("4");
        File.WriteAllBytes(path, version.ToByteArray()); // the original: raw protobuf, no trailer

        Assert.Equal(version, new FileManifestStore(path).Load());
    }
}
