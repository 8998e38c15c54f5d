using Engula.Hosting.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Builder methods for an Engula cluster: <c>AddEngulaJournal</c>, <c>AddEngulaStorage</c>,
/// <c>AddEngulaKernel</c>, <c>AddEngulaEngine</c>, and the wiring between them (<c>WithJournal</c>,
/// <c>WithStorage</c>, <c>WithKernel</c>): each sets <c>ENGULA_&lt;PEER&gt;</c> and the Aspire reference
/// (<c>services__&lt;peer&gt;__grpc__0</c>) and waits for the peer to be healthy.
/// </summary>
/// <remarks>
/// Endpoints are proxied by default: DCP listens on the given port and the server listens on a port DCP
/// allocates, passed as its listen argument. Measured on this project's 2-core machine, this reached the first put sooner than
/// fixed unproxied ports, and the testing builder randomizes proxied ports so tests never collide with a running
/// dev AppHost.
/// </remarks>
public static class EngulaBuilderExtensions
{
    /// <summary>Folder under the AppHost's directory that holds file-mode data by default (ignored by git).</summary>
    public const string DefaultDataFolder = ".engula-data";

    /// <summary>Adds <c>engula journal run</c> with a gRPC endpoint named <c>grpc</c>.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The resource name (<c>journal</c> in the default cluster).</param>
    /// <param name="port">The port clients dial; random when null.</param>
    /// <param name="isProxied">False: the server itself listens on <paramref name="port"/> (which is then required).</param>
    public static IResourceBuilder<EngulaJournalResource> AddEngulaJournal(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null, bool isProxied = true)
        => builder.AddEngulaDataServer(name, (command, directory) => new EngulaJournalResource(name, command, directory), port, isProxied, "DocumentBulletList");

    /// <summary>Adds <c>engula storage run</c> with a gRPC endpoint named <c>grpc</c>.</summary>
    /// <inheritdoc cref="AddEngulaJournal" path="/param"/>
    public static IResourceBuilder<EngulaStorageResource> AddEngulaStorage(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null, bool isProxied = true)
        => builder.AddEngulaDataServer(name, (command, directory) => new EngulaStorageResource(name, command, directory), port, isProxied, "Box");

    /// <summary>Adds <c>engula kernel run</c> with a gRPC endpoint named <c>grpc</c>; wire it with
    /// <see cref="WithJournal"/> and <see cref="WithStorage"/>.</summary>
    /// <inheritdoc cref="AddEngulaJournal" path="/param"/>
    public static IResourceBuilder<EngulaKernelResource> AddEngulaKernel(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null, bool isProxied = true)
        => builder.AddEngulaDataServer(name, (command, directory) => new EngulaKernelResource(name, command, directory), port, isProxied, "BranchFork");

    private static IResourceBuilder<T> AddEngulaDataServer<T>(
        this IDistributedApplicationBuilder builder, string name, Func<EngulaServerCommand, string, T> create, int? port, bool isProxied, string icon)
        where T : EngulaDataResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEngulaServer(create(EngulaServerCommand.Resolve(builder), DefaultDataDirectory(builder, name)), port, isProxied).WithIconName(icon);
    }

    /// <summary>Adds <c>engula engine run</c> with its HTTP API on an endpoint named <c>http</c>; wire it with
    /// <see cref="WithKernel"/>.</summary>
    /// <inheritdoc cref="AddEngulaJournal" path="/param"/>
    public static IResourceBuilder<EngulaEngineResource> AddEngulaEngine(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null, bool isProxied = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resource = new EngulaEngineResource(name, EngulaServerCommand.Resolve(builder));
        return builder.AddEngulaServer(resource, port, isProxied).WithIconName("Key");
    }

    /// <summary>The kernel's journal: <c>ENGULA_JOURNAL</c>, the Aspire reference, and a wait for it to be healthy.</summary>
    public static IResourceBuilder<EngulaKernelResource> WithJournal(this IResourceBuilder<EngulaKernelResource> kernel, IResourceBuilder<EngulaJournalResource> journal) =>
        kernel.WithPeer(EngulaPeerVariables.Address(EngulaComponentKind.Journal), journal);

    /// <summary>The kernel's storage: <c>ENGULA_STORAGE</c>, the Aspire reference, and a wait for it to be healthy.</summary>
    public static IResourceBuilder<EngulaKernelResource> WithStorage(this IResourceBuilder<EngulaKernelResource> kernel, IResourceBuilder<EngulaStorageResource> storage) =>
        kernel.WithPeer(EngulaPeerVariables.Address(EngulaComponentKind.Storage), storage);

    /// <summary>The engine's kernel: <c>ENGULA_KERNEL</c>, the Aspire reference, and a wait for it to be healthy.
    /// The engine learns journal and storage from the kernel (<c>PlaceLookup</c>).</summary>
    public static IResourceBuilder<EngulaEngineResource> WithKernel(this IResourceBuilder<EngulaEngineResource> engine, IResourceBuilder<EngulaKernelResource> kernel) =>
        engine.WithPeer(EngulaPeerVariables.Address(EngulaComponentKind.Kernel), kernel);

    /// <summary>
    /// Chooses where a journal, storage or kernel keeps its data. File mode (the default) uses
    /// <paramref name="root"/>/&lt;resource name&gt;, or &lt;AppHost directory&gt;/.engula-data/&lt;resource name&gt;
    /// when <paramref name="root"/> is null; the directory is created before the process starts.
    /// </summary>
    public static IResourceBuilder<T> WithData<T>(this IResourceBuilder<T> builder, EngulaDataMode mode, string? root = null) where T : EngulaDataResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        string directory = root is null
            ? DefaultDataDirectory(builder.ApplicationBuilder, builder.Resource.Name)
            : Path.Combine(Path.GetFullPath(root, builder.ApplicationBuilder.AppHostDirectory), builder.Resource.Name);
        return builder.WithAnnotation(new EngulaDataAnnotation(mode, directory), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>
    /// Runs the component from a container image (for example the image of <c>eng/image/build.sh</c>) instead of the
    /// local <c>engula</c> build; <paramref name="image"/> null keeps the local process, so the default never needs a
    /// container runtime. Call it last in the component's chain. In the container the server listens on its default
    /// port (24570 journal, 24569 storage, 24567 kernel, 24568 engine) behind the same endpoint, peers are reached over
    /// Aspire's container network, and file-mode data lives in a named volume mounted at <c>/data</c> (the image's
    /// working directory, owned by its non-root user) rather than in <see cref="EngulaDataResource.DataDirectory"/>.
    /// Only run mode changes: publishing already describes containers.
    /// </summary>
    /// <param name="builder">The component.</param>
    /// <param name="image">An image reference such as <c>localhost/engula:0.2.0</c> (<c>latest</c> when it names no tag;
    /// an <c>@sha256:…</c> digest pins it).</param>
    public static IResourceBuilder<T> RunFromImage<T>(this IResourceBuilder<T> builder, string? image) where T : EngulaServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(image) || !builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var server = builder.Resource;
        if (server.ContainerImage is not null)
        {
            throw new InvalidOperationException($"'{server.Name}' already runs from image '{server.ContainerImage}'.");
        }

        server.ContainerImage = image;
        foreach (var admin in server.Annotations.OfType<EndpointAnnotation>().Where(e => e.Name == EngulaEndpointNames.Admin).ToList())
        {
            server.Annotations.Remove(admin);
        }

        var reference = ImageReference.Parse(image);
        builder.ApplicationBuilder.Resources.Remove(server);
        var container = builder.ApplicationBuilder.AddResource(new EngulaServerContainerResource(server))
            .WithImage(reference.Name, reference.Tag ?? "latest")
            .WithEndpoint(server.PrimaryEndpointName, e => e.TargetPort ??= EngulaComponents.DefaultPort(server.Kind), createIfNotExists: false);
        if (reference.Digest is { } digest)
        {
            container.WithImageSHA256(digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest);
        }
        if (server is EngulaDataResource { DataMode: EngulaDataMode.File })
        {
            container.WithVolume(VolumeNameGenerator.Generate(container, "data"), EngulaServerContainerResource.DataMountPath);
        }

        return builder;
    }

    /// <summary>
    /// Lets another resource find the engine: <c>ConnectionStrings__&lt;engine&gt;</c> = the engine's base URL, and
    /// <c>services__&lt;engine&gt;__http__0</c> for service discovery (<c>http://_http.engine</c>).
    /// </summary>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(this IResourceBuilder<TDestination> builder, IResourceBuilder<EngulaEngineResource> engine)
        where TDestination : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(engine);
        builder.WithReference((IResourceBuilder<IResourceWithConnectionString>)engine);
        return builder.WithReference((IResourceBuilder<IResourceWithServiceDiscovery>)engine);
    }

    private static IResourceBuilder<T> AddEngulaServer<T>(this IDistributedApplicationBuilder builder, T resource, int? port, bool isProxied)
        where T : EngulaServerResource
    {
        if (!isProxied && port is null)
        {
            throw new ArgumentException($"An unproxied endpoint for '{resource.Name}' needs a fixed port.", nameof(port));
        }

        var endpointName = resource.PrimaryEndpointName;
        var rb = builder.AddResource(resource)
            .WithHttpEndpoint(port: port, targetPort: isProxied ? null : port, name: endpointName, isProxied: isProxied)
            .WithOtlpExporter()
            .WithEnvironment(context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    // What Aspire sets for .NET projects so their console logs read well in the dashboard.
                    context.EnvironmentVariables["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true";
                    context.EnvironmentVariables["LOGGING__CONSOLE__FORMATTERNAME"] = "simple";
                }
            })
            .WithArgs(context =>
            {
                // From an image the entrypoint is the engula executable itself.
                bool inContainer = resource.ContainerImage is not null;
                if (!inContainer)
                {
                    foreach (var arg in resource.ServerCommand.LeadingArguments)
                    {
                        context.Args.Add(arg);
                    }
                }

                context.Args.Add(resource.Component);
                context.Args.Add("run");

                // The server listens on the port DCP allocated behind its proxy (the endpoint's target port);
                // in a container or a published manifest it must listen on every interface instead of loopback.
                var host = context.ExecutionContext.IsPublishMode || inContainer ? "0.0.0.0" : "127.0.0.1";
                context.Args.Add(ReferenceExpression.Create($"{host}:{resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));

                if (resource is EngulaDataResource data)
                {
                    if (context.ExecutionContext.IsRunMode && data.DataMode == EngulaDataMode.File && !inContainer)
                    {
                        Directory.CreateDirectory(data.DataDirectory);
                    }

                    foreach (var arg in data.DataArguments(inContainer ? EngulaServerContainerResource.DataMountPath : data.DataDirectory))
                    {
                        context.Args.Add(arg);
                    }
                }

                if (!inContainer && resource.AdminEndpoint is { } admin)
                {
                    context.Args.Add("--admin");
                    context.Args.Add(ReferenceExpression.Create($"127.0.0.1:{admin.Property(EndpointProperty.TargetPort)}"));
                }
            });

        if (resource is EngulaDataResource)
        {
            // gRPC components speak h2c only: mark the endpoint so the dashboard and clients know.
            rb.WithEndpoint(endpointName, e => e.Transport = "http2");

            // Their health and metrics are plain HTTP on an admin listener: a browser (and the dashboard's links) cannot
            // read an h2c port. Run mode only — a published pod gets its admin port from the Kubernetes builders — and
            // dropped again by RunFromImage (the image's component listens where the container's ports say).
            if (builder.ExecutionContext.IsRunMode)
            {
                rb.WithHttpEndpoint(name: EngulaEndpointNames.Admin);
            }
        }

        EngulaReadinessReporter.Register(builder);
        rb.WithEngulaCommands();

        var healthKey = $"{resource.Name}_engula_health";
        Func<Uri> address = () => new Uri(resource.PrimaryEndpoint.Url);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthKey,
            _ => resource is EngulaEngineResource ? new HttpReadyHealthCheck(address) : new GrpcServingHealthCheck(address),
            failureStatus: null,
            tags: null));
        return rb.WithHealthCheck(healthKey);
    }

    private static IResourceBuilder<T> WithPeer<T, TPeer>(this IResourceBuilder<T> builder, string variable, IResourceBuilder<TPeer> peer)
        where T : EngulaServerResource
        where TPeer : EngulaServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(peer);
        // Start after the peer has started, not after it is healthy: every component waits for its own peers (back-off,
        // health NOT_SERVING until they answer), so waiting for Healthy here only serialised the four start-ups behind
        // Aspire's health polling (measured: all four healthy 14.7 s → 10.5 s after launch, bench/apphost/startup.sh).
        return builder
            .WithEnvironment(variable, peer.Resource.PrimaryEndpoint)
            .WithReference((IResourceBuilder<IResourceWithServiceDiscovery>)peer)
            .WaitForStart(peer);
    }

    private static string DefaultDataDirectory(IDistributedApplicationBuilder builder, string name) =>
        Path.Combine(builder.AppHostDirectory, DefaultDataFolder, name);
}
