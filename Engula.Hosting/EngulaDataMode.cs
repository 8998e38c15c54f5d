namespace Aspire.Hosting.ApplicationModel;

/// <summary>Where a journal, storage or kernel keeps its data (<c>--file</c> or <c>--mem</c> of the <c>engula</c> CLI).</summary>
public enum EngulaDataMode
{
    /// <summary>Files in a data directory (<c>--file</c>): the data survives restarts of the process and of the app.</summary>
    File,

    /// <summary>Memory only (<c>--mem</c>): every restart of the process starts empty.</summary>
    Memory,
}

/// <summary>
/// Where a journal, storage or kernel keeps its data; <c>WithData</c> replaces it. An annotation rather than a settable
/// property, as Aspire's own integrations record such choices, so that it is visible in the model like every other
/// setting and the last call wins.
/// </summary>
/// <param name="Mode">Files or memory.</param>
/// <param name="Directory">The directory of the component's files in file mode.</param>
public sealed record EngulaDataAnnotation(EngulaDataMode Mode, string Directory) : IResourceAnnotation;
