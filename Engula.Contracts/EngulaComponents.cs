using System.Diagnostics.CodeAnalysis;

namespace Engula;

/// <summary>What each <see cref="EngulaComponentKind"/> is: its name, its default ports and the peers it dials.</summary>
public static class EngulaComponents
{
    /// <summary>A component's admin port (health and metrics beside a gRPC port) is its port plus this, unless set.</summary>
    public const int AdminPortOffset = 1000;

    /// <summary>
    /// <see cref="DefaultPort"/> of every kind in words, for schema descriptions and help text, which must be
    /// constants (a test checks it against <see cref="DefaultPort"/>).
    /// </summary>
    public const string DefaultPortsSummary = "kernel 24567, engine 24568, storage 24569, journal 24570";

    /// <summary>Every kind, in bootstrap order.</summary>
    public static IReadOnlyList<EngulaComponentKind> All { get; } =
        [EngulaComponentKind.Journal, EngulaComponentKind.Storage, EngulaComponentKind.Kernel, EngulaComponentKind.Engine];

    /// <summary>
    /// The original Engula v0.2 ports: kernel 24567, engine 24568 (HTTP), storage 24569, journal 24570. Every
    /// deployment (local, published, operator) uses them unless told otherwise, so that clients written for the
    /// original find the components where they always were.
    /// </summary>
    public static int DefaultPort(this EngulaComponentKind kind) => kind switch
    {
        EngulaComponentKind.Kernel => 24567,
        EngulaComponentKind.Engine => 24568,
        EngulaComponentKind.Storage => 24569,
        EngulaComponentKind.Journal => 24570,
        _ => throw NotAKind(kind),
    };

    /// <summary>The lower-case name: <c>journal</c>, <c>storage</c>, <c>kernel</c>, <c>engine</c> — the CLI's
    /// subcommand, the peer flag (<c>--journal</c>), the Kubernetes component label and the Aspire service name.</summary>
    public static string Name(this EngulaComponentKind kind) => kind switch
    {
        EngulaComponentKind.Journal => "journal",
        EngulaComponentKind.Storage => "storage",
        EngulaComponentKind.Kernel => "kernel",
        EngulaComponentKind.Engine => "engine",
        _ => throw NotAKind(kind),
    };

    /// <summary>The kind named <paramref name="name"/> (<see cref="Name"/>, case-insensitive).</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out EngulaComponentKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>Whether the component keeps data of its own (a data volume); the engine rebuilds from its peers.</summary>
    public static bool KeepsData(this EngulaComponentKind kind) => kind != EngulaComponentKind.Engine;

    /// <summary>
    /// The topology: the peers <paramref name="kind"/> dials — the kernel its journal and storage, the engine its
    /// kernel (which then hands it the journal and storage addresses), journal and storage none.
    /// </summary>
    public static IReadOnlyList<EngulaComponentKind> Peers(this EngulaComponentKind kind) => kind switch
    {
        EngulaComponentKind.Kernel => KernelPeers,
        EngulaComponentKind.Engine => EnginePeers,
        EngulaComponentKind.Journal or EngulaComponentKind.Storage => [],
        _ => throw NotAKind(kind),
    };

    private static readonly EngulaComponentKind[] KernelPeers = [EngulaComponentKind.Journal, EngulaComponentKind.Storage];

    private static readonly EngulaComponentKind[] EnginePeers = [EngulaComponentKind.Kernel];

    private static ArgumentOutOfRangeException NotAKind(EngulaComponentKind kind) =>
        new(nameof(kind), kind, "not an Engula component kind");
}
