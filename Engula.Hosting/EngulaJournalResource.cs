namespace Aspire.Hosting.ApplicationModel;

/// <summary><c>engula journal run</c>: event streams (the engine's write-ahead log).</summary>
public sealed class EngulaJournalResource : EngulaDataResource
{
    internal EngulaJournalResource(string name, EngulaServerCommand command, string defaultDataDirectory)
        : base(name, command, defaultDataDirectory)
    {
    }

    internal override EngulaComponentKind Kind => EngulaComponentKind.Journal;
}
