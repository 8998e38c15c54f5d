namespace Engula.Server.Kernel;

/// <summary><c>VersionUpdates(sequence)</c> cannot continue without a gap: the updates after it are no longer held,
/// or the sequence is ahead of the kernel.</summary>
public sealed class SequenceOutOfRangeException(string message) : Exception(message);
