namespace Engula.Server.Kernel;

/// <summary>The manifest file exists but cannot be decoded (DATA_LOSS: never silently replaced by an empty version).</summary>
public sealed class ManifestCorruptedException(string message, Exception? inner = null) : Exception(message, inner);
