using Engula.Server.Hosting;

namespace Engula.Server.Journal;

/// <summary>Builds the journal process: <c>engula.journal.v1.Journal</c> over h2c.</summary>
public static class JournalServer
{
    public static WebApplication Build(ServerOptions server, JournalOptions options)
    {
        throw new NotImplementedException("journal server: in progress");
    }
}
