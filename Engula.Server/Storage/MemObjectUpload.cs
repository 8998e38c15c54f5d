using System.Buffers;

namespace Engula.Server.Storage;

/// <summary>An upload into the mem storage: bytes gathered privately, published at commit.</summary>
internal sealed class MemObjectUpload(MemStorageStore store, string bucket, string name) : IObjectUpload
{
    private readonly ArrayBufferWriter<byte> _content = new();

    public long Length => _content.WrittenCount;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        _content.Write(content.Span);
        return ValueTask.CompletedTask;
    }

    public Task CommitAsync(CancellationToken cancellationToken)
    {
        store.Commit(bucket, name, _content.WrittenSpan.ToArray());
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
