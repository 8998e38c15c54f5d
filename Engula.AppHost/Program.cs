// The local Engula cluster (CONTRACTS §3): one journal, storage, kernel and engine, each the built `engula`
// executable, on the original ports. Settings: the "Engula" section of appsettings.json (ports, Mode=File|Memory,
// DataDirectory), overridable on the command line, e.g. `dotnet run --project Engula.AppHost -- --Engula:Mode=Memory`.
var builder = DistributedApplication.CreateBuilder(args);
var engula = EngulaClusterSettings.From(builder.Configuration);

// `--operation publish --step publish --output-path <dir>` writes Kubernetes manifests (docs/publish.md).
builder.AddEngulaKubernetesPublisher();

var journal = builder.AddEngulaJournal("journal", engula.JournalPort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory);

var storage = builder.AddEngulaStorage("storage", engula.StoragePort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory);

var kernel = builder.AddEngulaKernel("kernel", engula.KernelPort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory)
    .WithJournal(journal)
    .WithStorage(storage);

builder.AddEngulaEngine("engine", engula.EnginePort, engula.Proxied)
    .WithKernel(kernel);

builder.Build().Run();
