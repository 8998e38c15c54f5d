using Aspire.Hosting.ApplicationModel;
using Engula.Hosting;

// The sample: journal, storage, kernel and engine as in Engula.AppHost, plus "kvapi" (Engula.Samples.KvApi), a service
// that keeps named counters in the engine through Engula.Client. The components run in memory mode, so the sample
// writes nothing to disk and every start is empty. Ports: the "Engula" section of appsettings.json (24577-24580 and
// kvapi on 24590, beside Engula.AppHost's 24567-24570, so both can run at once); Engula:Mode is not read here.
var builder = DistributedApplication.CreateBuilder(args);
var engula = EngulaClusterSettings.From(builder.Configuration);

var journal = builder.AddEngulaJournal("journal", engula.JournalPort, engula.Proxied)
    .WithData(EngulaDataMode.Memory);

var storage = builder.AddEngulaStorage("storage", engula.StoragePort, engula.Proxied)
    .WithData(EngulaDataMode.Memory);

var kernel = builder.AddEngulaKernel("kernel", engula.KernelPort, engula.Proxied)
    .WithData(EngulaDataMode.Memory)
    .WithJournal(journal)
    .WithStorage(storage);

var engine = builder.AddEngulaEngine("engine", engula.EnginePort, engula.Proxied)
    .WithKernel(kernel);

// WithReference(engine): ConnectionStrings__engine, services__engine__http__0 and ENGINE_URI/HOST/PORT, of which
// AddEngulaClient("engine") reads the first. WaitFor(engine): kvapi starts once the engine is healthy. Its /health
// includes the client's check of the engine, so the dashboard shows kvapi healthy only while it can reach Engula.
builder.AddProject<Projects.Engula_Samples_KvApi>("kvapi")
    .WithReference(engine)
    .WaitFor(engine)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
