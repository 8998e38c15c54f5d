using Engula.Hosting;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;

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
            var endpoint = Assert.Single(resource.Annotations.OfType<EndpointAnnotation>(), e => e.Name != EngulaEndpointNames.Admin);
            Assert.Equal(resource is EngulaEngineResource ? "http" : "grpc", endpoint.Name);
            // Journal, storage and kernel also get a plain-HTTP admin listener (health, metrics) on a port DCP picks.
            var admin = resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.Name == EngulaEndpointNames.Admin).ToList();
            if (resource is EngulaEngineResource)
            {
                Assert.Empty(admin);
            }
            else
            {
                Assert.Equal("http", Assert.Single(admin).UriScheme);
                Assert.Null(admin[0].Port);
            }

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
        Assert.Equal(["--file", Path.Combine(builder.AppHostDirectory, ".engula-data", "kernel", "manifest")], kernel.DataArguments(kernel.DataDirectory));
        var journal = builder.Resources.OfType<EngulaJournalResource>().Single();
        Assert.Equal(["--file", Path.Combine(builder.AppHostDirectory, ".engula-data", "journal")], journal.DataArguments(journal.DataDirectory));
    }

    [Fact]
    public async Task MemoryModeAndPortsComeFromConfiguration()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>(
            ["--Engula:Mode=Memory", "--Engula:JournalPort=31070", "--Engula:Proxied=false"], TestContext.Current.CancellationToken);

        foreach (var data in builder.Resources.OfType<EngulaDataResource>())
        {
            Assert.Equal(EngulaDataMode.Memory, data.DataMode);
            Assert.Equal(["--mem"], data.DataArguments(data.DataDirectory));
        }

        var journal = Assert.Single(builder.Resources.OfType<EngulaJournalResource>().Single().Annotations.OfType<EndpointAnnotation>(), e => e.Name == EngulaEndpointNames.Grpc);
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
    public async Task WithAContainerImageTheFourComponentsAreContainersOfThatImageWithVolumesAndDefaultPorts()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>(
            ["--Engula:ContainerImage=localhost/engula:0.2.0"], TestContext.Current.CancellationToken);
        var expected = new Dictionary<string, (int Port, string[] Args)>
        {
            ["journal"] = (24570, ["journal", "run", "0.0.0.0:24570", "--file", "/data"]),
            ["storage"] = (24569, ["storage", "run", "0.0.0.0:24569", "--file", "/data"]),
            ["kernel"] = (24567, ["kernel", "run", "0.0.0.0:24567", "--file", "/data/manifest"]),
            ["engine"] = (24568, ["engine", "run", "0.0.0.0:24568"]),
        };

        // No local process is left: DCP runs the containers only.
        Assert.Empty(builder.Resources.OfType<ExecutableResource>());
        foreach (var (name, (port, args)) in expected)
        {
            var container = Assert.IsAssignableFrom<ContainerResource>(builder.Resources.Single(r => r.Name == name));
            var image = Assert.Single(container.Annotations.OfType<ContainerImageAnnotation>());
            Assert.Equal(("localhost/engula", "0.2.0"), (image.Image, image.Tag));
            var endpoint = Assert.Single(container.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal((port, port), (endpoint.Port, endpoint.TargetPort)); // the host port forwards to the image's default
            var configuration = await ExecutionConfigurationBuilder.Create(container).WithArgumentsConfig()
                .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), NullLogger.Instance, TestContext.Current.CancellationToken);
            Assert.Equal(args, configuration.Arguments.Select(a => a.Value));

            var mounts = container.Annotations.OfType<ContainerMountAnnotation>().ToList();
            if (name == "engine")
            {
                Assert.Empty(mounts);
            }
            else
            {
                var volume = Assert.Single(mounts);
                Assert.Equal((ContainerMountType.Volume, "/data"), (volume.Type, volume.Target));
                Assert.EndsWith($"-{name}-data", volume.Source, StringComparison.Ordinal);
            }
        }

        // Peers and waits still point at the component resources by name.
        var kernelWaits = builder.Resources.Single(r => r.Name == "kernel").Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["journal", "storage"], kernelWaits);
    }

    [Fact]
    public async Task WithoutAContainerImageNothingNeedsAContainerRuntime()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Engula_AppHost>([], TestContext.Current.CancellationToken);
        Assert.DoesNotContain(builder.Resources, r => r.Annotations.OfType<ContainerImageAnnotation>().Any());
        Assert.Equal(4, builder.Resources.OfType<EngulaServerResource>().Count());
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
