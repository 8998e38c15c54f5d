namespace Engula.Server.Tests.Kernel;

public sealed class MemKernelTests : KernelConformanceTests
{
    protected override string? ManifestFile(string directory) => null;
}
