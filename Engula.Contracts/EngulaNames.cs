namespace Engula;

/// <summary>Names the components agree on without configuration.</summary>
public static class EngulaNames
{
    /// <summary>
    /// The one journal stream and the one storage bucket of a v0.2 cluster. The kernel creates both when it
    /// bootstraps; the engine writes its events to the stream and its tables to the bucket. The original used this
    /// name, and a v0.2 client expects it.
    /// </summary>
    public const string Default = "DEFAULT";
}
