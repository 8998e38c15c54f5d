using Engula.Server.Runtime;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engula.Server.Journal;

/// <summary>Builds the journal process: <c>engula.journal.v1.Journal</c> over h2c.</summary>
public static class JournalServer
{
    /// <summary>
    /// Builds the journal server. In file mode every stream is recovered here, before the returned application starts
    /// listening, so the first call already sees all acknowledged events.
    /// </summary>
    public static WebApplication Build(ServerOptions server, JournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SegmentSize);

        // The journal has no dependencies: ready as soon as it listens (recovery is over by then).
        var readiness = new ComponentReadiness(initiallyReady: true);
        var builder = EngulaWebHost.CreateBuilder(EngulaComponentKind.Journal.Name(), server, HttpProtocols.Http2, readiness);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<JournalMetrics>();
        EngulaWebHost.AddStore<IJournalStore, MemJournalStore, FileJournalStore>(builder.Services, inFiles: options.Directory is not null);
        EngulaWebHost.AddComponentService<JournalService>(builder.Services, EngulaComponentKind.Journal);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<IJournalStore>();
        EngulaWebHost.MapCommonEndpoints(app);
        app.MapGrpcService<JournalService>();
        return app;
    }
}
