namespace Engula;

/// <summary>The four Engula v0.2 components: journal, storage, kernel and engine.</summary>
/// <remarks>
/// The declaration order is the bootstrap order (journal and storage first, then the kernel, then the engine). The
/// Kubernetes builders emit objects in this order, so that output is deterministic and reads top-down like a
/// start-up, and the operator rolls a new pod template out in this order.
/// </remarks>
public enum EngulaComponentKind
{
    /// <summary>The journal: an append-only event log (gRPC, keeps data).</summary>
    Journal,

    /// <summary>The storage: an object store for tables (gRPC, keeps data).</summary>
    Storage,

    /// <summary>The kernel: version manifest and place lookup (gRPC, keeps data).</summary>
    Kernel,

    /// <summary>The engine: the HTTP key-value API (keeps no data of its own).</summary>
    Engine,
}
