namespace Engula.Server.Storage;

/// <summary>An upload into the file storage: written to a private temp file, fsynced and renamed into place at commit.
/// Until then nothing is visible; disposing without a commit deletes the temp file.</summary>
internal sealed class FileObjectUpload : IObjectUpload
{
    private readonly FileStorageStore _store;
    private readonly string _bucket;
    private readonly string _name;
    private readonly string _tempPath;
    private FileStream? _file;
    private bool _committed;

    public FileObjectUpload(FileStorageStore store, string bucket, string name, string tempPath)
    {
        _store = store;
        _bucket = bucket;
        _name = name;
        _tempPath = tempPath;
        _file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
    }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        await _file.WriteAsync(content, cancellationToken);
        Length += content.Length;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        await _file.FlushAsync(cancellationToken);
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync();
        _file = null;
        await _store.CommitAsync(_bucket, _name, _tempPath);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_file is not null)
            {
                var file = _file;
                _file = null;
                await file.DisposeAsync(); // may throw when buffered bytes do not fit (disk full)
            }
        }
        finally
        {
            // No half-written temp file is ever left behind, whatever the disposal threw.
            if (!_committed)
            {
                _store.DeleteQuietly(_tempPath);
            }
        }
    }
}
