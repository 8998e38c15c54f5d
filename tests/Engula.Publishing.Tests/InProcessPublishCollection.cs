namespace Engula.Publishing.Tests;

/// <summary>
/// Tests that run the publish pipeline inside the test process. The pipeline reports failure through the
/// process-wide <see cref="Environment.ExitCode"/>, which each test reads and resets: they must not run side by side.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InProcessPublishCollection
{
    public const string Name = "in-process publish";
}
