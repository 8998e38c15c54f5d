namespace Engula.Server.Storage;

/// <summary>Options of <c>engula storage run</c>.</summary>
public sealed class StorageOptions
{
    /// <summary><c>--file</c> root directory; null means <c>--mem</c>.</summary>
    public string? Directory { get; init; }
}
