using Engula.Hosting;

// The local Engula cluster: one journal, storage, kernel and engine, each the built `engula`
// executable, on the original ports. Settings: the "Engula" section of appsettings.json (ports, Mode=File|Memory,
// DataDirectory, ContainerImage), overridable on the command line, e.g. `dotnet run --project Engula.AppHost --
// --Engula:Mode=Memory`. With ContainerImage set the components run from that image instead (docs/apphost.md).
var builder = DistributedApplication.CreateBuilder(args);
var engula = EngulaClusterSettings.From(builder.Configuration);

// `--operation publish --step publish --output-path <dir>` writes Kubernetes manifests (docs/publish.md).
builder.AddEngulaKubernetesPublisher();

var journal = builder.AddEngulaJournal("journal", engula.JournalPort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory)
    .RunFromImage(engula.ContainerImage);

var storage = builder.AddEngulaStorage("storage", engula.StoragePort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory)
    .RunFromImage(engula.ContainerImage);

var kernel = builder.AddEngulaKernel("kernel", engula.KernelPort, engula.Proxied)
    .WithData(engula.Mode, engula.DataDirectory)
    .WithJournal(journal)
    .WithStorage(storage)
    .RunFromImage(engula.ContainerImage);

builder.AddEngulaEngine("engine", engula.EnginePort, engula.Proxied)
    .WithKernel(kernel)
    .RunFromImage(engula.ContainerImage);

builder.Build().Run();
