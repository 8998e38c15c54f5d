namespace Engula.Server.Kernel;

/// <summary>A <c>VersionUpdates</c> reader fell more than the buffer behind the live tail.</summary>
public sealed class SubscriberLaggedException(ulong sequence)
    : Exception($"version update subscriber fell behind at sequence {sequence}; resubscribe from the last sequence received");
