namespace Aspire.Hosting.ApplicationModel;

/// <summary>Where a journal, storage or kernel keeps its data (<c>--file</c> or <c>--mem</c> of the <c>engula</c> CLI).</summary>
public enum EngulaDataMode
{
    /// <summary>Files in a data directory (<c>--file</c>): the data survives restarts of the process and of the app.</summary>
    File,

    /// <summary>Memory only (<c>--mem</c>): every restart of the process starts empty.</summary>
    Memory,
}
