using Engula.Kubernetes;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The app model → an <see cref="EngulaCluster"/> description. Only the mapping lives here; how a component
/// becomes Kubernetes objects (names, env, probes, volumes) is decided by <see cref="EngulaObjects"/>, which the
/// operator calls too.
/// </summary>
internal static class EngulaClusterMapper
{
    /// <summary>
    /// Maps every Engula resource of <paramref name="model"/> (skipping those excluded from publish) to one
    /// component named after the resource, with the port of its primary endpoint and its replica count.
    /// </summary>
    /// <exception cref="EngulaPublishException">The model has no Engula resource, two of one kind, or a reference the
    /// published cluster cannot express (a kernel wired to a journal that is not part of it).</exception>
    public static async Task<EngulaCluster> MapAsync(
        DistributedApplicationModel model,
        DistributedApplicationExecutionContext executionContext,
        EngulaPublishOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var servers = model.Resources.OfType<EngulaServerResource>().Where(r => !r.IsExcludedFromPublish()).ToList();
        if (servers.Count == 0)
        {
            throw new EngulaPublishException("the app model has no Engula resource to publish (AddEngulaJournal, AddEngulaStorage, AddEngulaKernel, AddEngulaEngine)");
        }

        var byKind = new Dictionary<EngulaComponentKind, EngulaServerResource>();
        foreach (var server in servers)
        {
            var kind = server.Kind;
            if (!byKind.TryAdd(kind, server))
            {
                // The builders describe one cluster with at most one component per kind (a kernel's ENGULA_JOURNAL
                // names the journal's Service); a second cluster would need a cluster name to keep the names apart.
                throw new EngulaPublishException(
                    $"resources '{byKind[kind].Name}' and '{server.Name}' are both a {EngulaComponents.Name(kind)}: a published Engula cluster has at most one component of each kind");
            }
        }

        // The peer each component dials, by the variable the hosting integration sets (EngulaBuilderExtensions.WithPeer).
        foreach (var (kind, peerKind) in EngulaComponents.All.SelectMany(k => k.Peers().Select(p => (k, p))))
        {
            if (!byKind.TryGetValue(kind, out var server))
            {
                continue;
            }

            string variable = EngulaPeerVariables.Address(peerKind);

            var peer = await PeerOfAsync(server, variable, executionContext, cancellationToken).ConfigureAwait(false);
            if (peer is null)
            {
                throw new EngulaPublishException(
                    $"{EngulaComponents.Name(kind)} '{server.Name}' has no {EngulaComponents.Name(peerKind)} ({variable} is not set to one: wire it with With{Capitalized(peerKind)})");
            }

            if (!byKind.TryGetValue(peerKind, out var published) || !ReferenceEquals(published, peer))
            {
                throw new EngulaPublishException(
                    $"{EngulaComponents.Name(kind)} '{server.Name}' uses {EngulaComponents.Name(peerKind)} '{peer.Name}' ({variable}), which is not published (excluded from publish or not an Engula {EngulaComponents.Name(peerKind)})");
            }
        }

        return new EngulaCluster
        {
            TargetVersion = options.TargetVersion,
            Components = [.. byKind.OrderBy(kv => kv.Key).Select(kv => Component(kv.Key, kv.Value, options))],
        };
    }

    /// <summary>The Aspire resource name behind component <paramref name="index"/> of a mapped cluster (for error messages).</summary>
    public static string ResourceNameAt(EngulaCluster cluster, int index) =>
        index >= 0 && index < cluster.Components.Count ? cluster.Components[index].Name ?? "?" : "?";

    private static EngulaComponent Component(EngulaComponentKind kind, EngulaServerResource server, EngulaPublishOptions options)
    {
        var endpoint = server.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Name == server.PrimaryEndpointName);

        // A proxied endpoint has no target port (DCP picks one at run time); the port clients dial is the one the
        // component listens on in a pod. An endpoint with neither gets the component's original port.
        int? port = endpoint?.TargetPort ?? endpoint?.Port;
        bool stateful = kind != EngulaComponentKind.Engine;
        return new EngulaComponent
        {
            Kind = kind,
            Name = server.Name,
            Image = options.ImageReference,
            Replicas = server.GetReplicaCount(),
            Port = port,
            StorageClassName = stateful ? options.StorageClass : null,
            StorageSize = stateful ? options.StorageSize : null,
            DataVolumePermissions = stateful ? options.DataVolumePermissions : DataVolumePermissions.FsGroup,
            Pod = server.Annotations.OfType<EngulaPodSettingsAnnotation>().LastOrDefault()?.Settings,
        };
    }

    /// <summary>The resource whose endpoint <paramref name="variable"/> names, from the resource's environment callbacks.</summary>
    private static async Task<IResource?> PeerOfAsync(
        EngulaServerResource server, string variable, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        // The raw values (before Aspire renders them into manifest placeholders) keep the EndpointReference, and with
        // it the resource the variable points at.
        var context = new EnvironmentCallbackContext(executionContext, server, new Dictionary<string, object>(), cancellationToken);
        foreach (var callback in server.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context).ConfigureAwait(false);
        }

        return context.EnvironmentVariables.TryGetValue(variable, out var value) ? value switch
        {
            EndpointReference endpoint => endpoint.Resource,
            EndpointReferenceExpression expression => expression.Endpoint.Resource,
            _ => null,
        } : null;
    }

    private static string Capitalized(EngulaComponentKind kind) => kind.ToString();
}
