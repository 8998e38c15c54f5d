namespace Engula.Server.Storage;

/// <summary>
/// An object being uploaded: invisible until <see cref="CommitAsync"/> succeeds. Disposing an upload that was not
/// committed (the client went away, a write failed) discards everything written.
/// </summary>
internal interface IObjectUpload : IAsyncDisposable
{
    long Length { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Makes the object visible, all at once; ALREADY_EXISTS if another upload of the same name won.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
