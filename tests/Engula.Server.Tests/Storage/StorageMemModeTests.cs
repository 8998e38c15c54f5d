using Engula.Server.Storage;

namespace Engula.Server.Tests.Storage;

/// <summary>The storage conformance suite against <c>--mem</c>.</summary>
public sealed class StorageMemModeTests : StorageConformanceTests
{
    protected override StorageOptions CreateOptions() => new();
}
