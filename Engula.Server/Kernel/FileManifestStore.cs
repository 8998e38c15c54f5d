using Engula.Server.Files;
using System.Buffers.Binary;
using System.IO.Hashing;
using Engula.Protocol.Metadata;
using Version = Engula.Protocol.Metadata.Version;
using Google.Protobuf;

namespace Engula.Server.Kernel;

/// <summary>
/// <c>--file FILE</c>: the manifest is one file replaced atomically on every update (the original's was not): the new
/// content goes to <c>FILE.tmp</c>, is fsynced, renamed over <c>FILE</c>, and the directory is fsynced so the rename
/// itself survives a crash. A crash at any point leaves either the old or the new manifest, never a torn one.
/// </summary>
/// <remarks>
/// Format: the protobuf encoding of <c>engula.metadata.v1.Version</c> (as the original), followed by an 8-byte
/// trailer <c>"EMF1"</c> + CRC-32 of the protobuf bytes (big-endian). A file without the trailer is read as a plain
/// original manifest, so a manifest written by the Rust kernel can be taken over.
/// </remarks>
public sealed class FileManifestStore : IManifestStore
{
    private static ReadOnlySpan<byte> TrailerMagic => "EMF1"u8;

    private readonly string _path;
    private readonly string _tempPath;

    public FileManifestStore(string path)
    {
        _path = Path.GetFullPath(path);
        _tempPath = _path + ".tmp";
        var directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        if (Directory.Exists(_path))
        {
            throw new InvalidOperationException($"manifest path '{_path}' is a directory; --file names the manifest file itself");
        }

        // A temp file left by a crash before its rename never became the manifest.
        File.Delete(_tempPath);
    }

    public Version Load()
    {
        if (!File.Exists(_path))
        {
            return new Version();
        }

        var bytes = File.ReadAllBytes(_path);
        var body = bytes.AsSpan();
        if (bytes.Length >= 8 && body[^8..^4].SequenceEqual(TrailerMagic))
        {
            var expected = BinaryPrimitives.ReadUInt32BigEndian(body[^4..]);
            body = body[..^8];
            if (Crc32.HashToUInt32(body) != expected)
            {
                throw new ManifestCorruptedException($"manifest '{_path}' fails its checksum");
            }
        }

        try
        {
            return Version.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ManifestCorruptedException($"manifest '{_path}' cannot be decoded: {e.Message}", e);
        }
    }

    public void Save(Version version)
    {
        var body = version.ToByteArray();
        var trailer = new byte[8];
        TrailerMagic.CopyTo(trailer);
        BinaryPrimitives.WriteUInt32BigEndian(trailer.AsSpan(4), Crc32.HashToUInt32(body));

        using (var file = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            file.Write(body);
            file.Write(trailer);
            file.Flush(flushToDisk: true);
        }

        File.Move(_tempPath, _path, overwrite: true);
        DirectorySync.Fsync(Path.GetDirectoryName(_path)!);
    }
}
