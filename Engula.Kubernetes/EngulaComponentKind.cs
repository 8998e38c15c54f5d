namespace Engula.Kubernetes;

/// <summary>The four Engula v0.2 components that run in Kubernetes: journal, storage, kernel and engine.</summary>
/// <remarks>
/// The declaration order is the bootstrap order (journal and storage first, then the kernel, then the engine);
/// the builders emit objects in this order so that output is deterministic and reads top-down like a startup.
/// </remarks>
public enum EngulaComponentKind
{
    /// <summary>The journal: an append-only event log (gRPC, port 24570 by default, keeps data).</summary>
    Journal,

    /// <summary>The storage: an object store for tables (gRPC, port 24569 by default, keeps data).</summary>
    Storage,

    /// <summary>The kernel: version manifest and place lookup (gRPC, port 24567 by default, keeps data).</summary>
    Kernel,

    /// <summary>The engine: the HTTP key-value API (port 24568 by default, keeps no data of its own).</summary>
    Engine,
}
