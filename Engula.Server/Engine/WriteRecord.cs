namespace Engula.Server.Engine;

/// <summary>One put (<see cref="Value"/> set) or delete (<see cref="Value"/> null, a tombstone).</summary>
public readonly record struct WriteRecord(byte[] Key, byte[]? Value);
