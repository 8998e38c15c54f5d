namespace Engula.Server.Engine;

/// <summary>A WAL record, table or meta value the engine wrote cannot be decoded or fails its checksum.</summary>
public sealed class EngineCorruptedException(string message) : Exception(message);
