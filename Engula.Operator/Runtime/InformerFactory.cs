using k8s.Autorest;

namespace Engula.Operator.Runtime;

// WatchAsync over a list call is marked obsolete in 21.0.8, but it is the form whose 410 and bookmark behaviour
// was verified against the Kubernetes 1.20 test server, and it works alike for built-in and custom kinds.
#pragma warning disable CS0618

/// <summary>
/// The one place informers are made: every kind is listed and watched through the same list call of the generated
/// client (a watch is that call with <c>watch=true</c>), so the list-then-watch parameters — bookmarks, the
/// server-side timeout, the watched namespace, the label selector — are set once here and not per kind.
/// </summary>
internal sealed class InformerFactory(IKubernetes client, OperatorOptions options, OperatorMetrics metrics, ILogger logger)
{
    /// <summary>
    /// One list call of a kind: all namespaces when <see cref="ListRequest.Namespace"/> is null, else that one.
    /// </summary>
    public delegate Task<HttpOperationResponse<TList>> ListCall<TList>(IKubernetes client, ListRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The parameters of one list call, nullable as the generated client takes them (null: not sent). A plain list
    /// sends only the namespace and the label selector.
    /// </summary>
    public readonly record struct ListRequest(string? Namespace, string? LabelSelector, bool? Watch, bool? AllowWatchBookmarks, string? ResourceVersion, int? TimeoutSeconds);

    /// <summary>An informer over <paramref name="list"/>, in the operator's namespace (or all), with an optional label selector.</summary>
    public Informer<T> Create<T, TList>(string name, string? labelSelector, ListCall<TList> list)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IItems<T>, IMetadata<V1ListMeta>
    {
        return new Informer<T>(
            name,
            async ct =>
            {
                using var response = await list(client, new ListRequest(options.Namespace, labelSelector, null, null, null, null), ct);
                return (response.Body.Items, response.Body.Metadata.ResourceVersion);
            },
            (rv, onError, ct) => list(client, new ListRequest(options.Namespace, labelSelector, Watch: true, AllowWatchBookmarks: true, rv, options.WatchTimeoutSeconds), ct)
                .WatchAsync<T, TList>(onError, ct),
            logger,
            metrics);
    }

    /// <summary>An informer of one of the operator's custom kinds (every object of the kind, no selector).</summary>
    public Informer<T> Custom<T>(ResourceKind kind) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        string plural = kind.Plural();
        return Create<T, ResourceList<T>>(plural, null, (c, r, ct) => r.Namespace is null
            ? c.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<ResourceList<T>>(EngulaApi.Group, EngulaApi.Version, plural,
                allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)
            : c.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<ResourceList<T>>(EngulaApi.Group, EngulaApi.Version, r.Namespace, plural,
                allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct));
    }
}
