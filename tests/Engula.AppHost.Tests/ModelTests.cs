using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Engula.AppHost.Tests;

/// <summary>The AppHost's model as built from its configuration, without starting anything.</summary>
public sealed class ModelTests
{
    [Fact]
    public async Task DefaultsAreTheOriginalPortsBehindProxiesAndFileModeUnderTheAppHost()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>([], TestContext.Current.CancellationToken);
        var expectedPorts = new Dictionary<string, int> { ["kernel"] = 24567, ["engine"] = 24568, ["storage"] = 24569, ["journal"] = 24570 };

        foreach (var resource in builder.Resources.OfType<EngulaServerResource>())
        {
            var endpoint = Assert.Single(resource.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal(resource is EngulaEngineResource ? "http" : "grpc", endpoint.Name);
            Assert.Equal(expectedPorts[resource.Name], endpoint.Port);
            Assert.True(endpoint.IsProxied);
            Assert.Null(endpoint.TargetPort); // allocated by DCP and passed as the listen argument
        }

        Assert.Equal(4, builder.Resources.OfType<EngulaServerResource>().Count());
        foreach (var data in builder.Resources.OfType<EngulaDataResource>())
        {
            Assert.Equal(EngulaDataMode.File, data.DataMode);
            Assert.Equal(Path.Combine(builder.AppHostDirectory, ".engula-data", data.Name), data.DataDirectory);
        }

        var kernel = builder.Resources.OfType<EngulaKernelResource>().Single();
        Assert.Equal(["--file", Path.Combine(builder.AppHostDirectory, ".engula-data", "kernel", "manifest")], kernel.DataArguments());
        var journal = builder.Resources.OfType<EngulaJournalResource>().Single();
        Assert.Equal(["--file", Path.Combine(builder.AppHostDirectory, ".engula-data", "journal")], journal.DataArguments());
    }

    [Fact]
    public async Task MemoryModeAndPortsComeFromConfiguration()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>(
            ["--Engula:Mode=Memory", "--Engula:JournalPort=31070", "--Engula:Proxied=false"], TestContext.Current.CancellationToken);

        foreach (var data in builder.Resources.OfType<EngulaDataResource>())
        {
            Assert.Equal(EngulaDataMode.Memory, data.DataMode);
            Assert.Equal(["--mem"], data.DataArguments());
        }

        var journal = Assert.Single(builder.Resources.OfType<EngulaJournalResource>().Single().Annotations.OfType<EndpointAnnotation>());
        Assert.False(journal.IsProxied);
        Assert.Equal(31070, journal.Port);
        Assert.Equal(31070, journal.TargetPort); // unproxied: the server itself listens on the fixed port
    }

    [Fact]
    public async Task KernelWaitsForJournalAndStorage_EngineWaitsForKernel()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>([], TestContext.Current.CancellationToken);
        string[] WaitsFor(string name) => builder.Resources.Single(r => r.Name == name)
            .Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order(StringComparer.Ordinal).ToArray();

        // Start order only: a component's own dependency wait (NOT_SERVING until its peers answer) covers readiness.
        Assert.All(builder.Resources.SelectMany(r => r.Annotations.OfType<WaitAnnotation>()), w => Assert.Equal(WaitType.WaitUntilStarted, w.WaitType));

        Assert.Equal(["journal", "storage"], WaitsFor("kernel"));
        Assert.Equal(["kernel"], WaitsFor("engine"));
        Assert.Empty(WaitsFor("journal"));
        Assert.Empty(WaitsFor("storage"));
    }

    [Fact]
    public async Task ComponentsRunTheBuiltEngulaExecutableItself()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>([], TestContext.Current.CancellationToken);
        foreach (var resource in builder.Resources.OfType<EngulaServerResource>())
        {
            Assert.Equal("engula", Path.GetFileName(resource.Command));
            Assert.True(File.Exists(resource.Command), $"{resource.Command} is built");
            Assert.Empty(resource.ServerCommand.LeadingArguments);
        }
    }

    [Fact]
    public void ServerCommandPrefersTheNativeAppHostThenDotnetWithTheDll_AndNamesWhatIsMissing()
    {
        var dir = Directory.CreateTempSubdirectory("engula-servercommand-").FullName;
        try
        {
            var dll = Path.Combine(dir, "engula.dll");
            var missing = Assert.Throws<DistributedApplicationException>(() => EngulaServerCommand.FromPath(dll));
            Assert.Contains(dll, missing.Message, StringComparison.Ordinal);

            File.WriteAllText(dll, "");
            var viaDotnet = EngulaServerCommand.FromPath(dll);
            Assert.Equal("dotnet", viaDotnet.Executable);
            Assert.Equal([dll], viaDotnet.LeadingArguments);

            var native = Path.Combine(dir, OperatingSystem.IsWindows() ? "engula.exe" : "engula");
            File.WriteAllText(native, "");
            var direct = EngulaServerCommand.FromPath(dll);
            Assert.Equal(native, direct.Executable);
            Assert.Empty(direct.LeadingArguments);
            Assert.Equal(dir, direct.WorkingDirectory);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
