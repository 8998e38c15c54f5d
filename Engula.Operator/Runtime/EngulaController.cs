using System.Diagnostics;
using Engula.Operator.Reconcilers;

namespace Engula.Operator.Runtime;

/// <summary>
/// The controllers of one leader: informers for the six custom kinds and for the owned StatefulSets, Services and
/// Pods, one de-duplicating work queue, workers that run the reconcilers, and a periodic resync. Events requeue the
/// resource they concern: an owned object its owner, a component its Cluster and its cluster's other components
/// (bootstrap order depends on their readiness).
/// </summary>
internal sealed partial class EngulaController
{
    private const string ManagedSelector = EngulaLabels.ManagedBy + "=" + EngulaApi.ManagedBy;

    private readonly IKubernetes _client;
    private readonly OperatorOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EngulaController(IKubernetes client, OperatorOptions options, OperatorMetrics metrics, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _client = client;
        _options = options;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EngulaController>();
        _time = time ?? TimeProvider.System;
        Queue = new WorkQueue<ObjectKey>(options.BaseBackoff, options.MaxBackoff);
        metrics.QueueDepth = () => Queue.Depth;
        var informers = new InformerFactory(client, options, metrics, _logger);
        Caches = new Caches
        {
            Clusters = informers.Custom<ClusterResource>(ResourceKind.Cluster),
            Components = ResourceKinds.Components.ToDictionary(k => k, informers.Custom<ComponentResource>),
            StatefulSets = informers.Create<V1StatefulSet, V1StatefulSetList>("statefulsets", ManagedSelector, (c, r, ct) => r.Namespace is null
                ? c.AppsV1.ListStatefulSetForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)
                : c.AppsV1.ListNamespacedStatefulSetWithHttpMessagesAsync(r.Namespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)),
            Services = informers.Create<V1Service, V1ServiceList>("services", ManagedSelector, (c, r, ct) => r.Namespace is null
                ? c.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)
                : c.CoreV1.ListNamespacedServiceWithHttpMessagesAsync(r.Namespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)),
            Pods = informers.Create<V1Pod, V1PodList>("pods", ManagedSelector, (c, r, ct) => r.Namespace is null
                ? c.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)
                : c.CoreV1.ListNamespacedPodWithHttpMessagesAsync(r.Namespace, allowWatchBookmarks: r.AllowWatchBookmarks, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: r.Watch, cancellationToken: ct)),
        };
        Wire();
    }

    public WorkQueue<ObjectKey> Queue { get; }

    public Caches Caches { get; }

    /// <summary>Completes when every informer has listed once and the workers run.</summary>
    public Task Started => _started.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var capabilities = await ApiCapabilities.DiscoverAsync(_client, cancellationToken);
        LogCapabilities(_logger, capabilities.PodDisruptionBudgetVersion ?? "none", capabilities.NetworkPolicies,
            capabilities.PodMonitors ? "created per component" : $"none ({PodMonitor.Group}/{PodMonitor.Version} is not served: no Prometheus Operator)");
        var api = new KubeApi(_client, _metrics, _options.Identity);
        var components = new ComponentReconciler(Caches, api, capabilities, _time, _loggerFactory.CreateLogger<ComponentReconciler>(), _options.RolloutTimeout);
        var clusters = new ClusterReconciler(Caches, api, _time);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var informers = new List<Task>
        {
            Caches.Clusters.RunAsync(stop.Token),
            Caches.StatefulSets.RunAsync(stop.Token),
            Caches.Services.RunAsync(stop.Token),
            Caches.Pods.RunAsync(stop.Token),
        };
        informers.AddRange(Caches.Components.Values.Select(i => i.RunAsync(stop.Token)));
        try
        {
            // Reconcile only from complete caches: a half-filled cache would look like missing objects.
            await Task.WhenAll(Caches.AllSynced).WaitAsync(cancellationToken);
            var workers = Enumerable.Range(0, Math.Max(1, _options.Workers))
                .Select(_ => WorkAsync(components, clusters, stop.Token))
                .Append(ResyncAsync(stop.Token))
                .ToList();
            _started.TrySetResult();
            await Task.WhenAll(workers.Concat(informers));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            Queue.Dispose();
        }
    }

    private async Task WorkAsync(ComponentReconciler components, ClusterReconciler clusters, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await Queue.TakeAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var watch = Stopwatch.StartNew();
            bool failed = false;
            try
            {
                if (key.Kind == ResourceKind.Cluster)
                {
                    await clusters.ReconcileAsync(key.Namespace, key.Name, ct);
                }
                else if (await components.ReconcileAsync(key.Kind, key.Namespace, key.Name, ct) is { } recheck)
                {
                    Queue.Forget(key);
                    Queue.AddAfter(key, recheck);
                    continue;
                }

                Queue.Forget(key);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Any failure (API error, conflict, a bug) is retried with back-off; it never stops the worker.
                failed = true;
                var delay = Queue.AddRateLimited(key);
                LogReconcileFailed(_logger, key.ToString(), delay.TotalSeconds, e);
            }
            finally
            {
                _metrics.Reconciled(key.Kind.KindName(), watch.Elapsed, failed);
                Queue.Done(key);
            }
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.ResyncPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                EnqueueAll();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Queues every known custom resource (periodic resync).</summary>
    public void EnqueueAll()
    {
        foreach (var cluster in Caches.Clusters.Items)
        {
            Queue.Add(new ObjectKey(ResourceKind.Cluster, cluster.Metadata.NamespaceProperty, cluster.Metadata.Name));
        }

        foreach (var (kind, informer) in Caches.Components)
        {
            foreach (var item in informer.Items)
            {
                Queue.Add(new ObjectKey(kind, item.Metadata.NamespaceProperty, item.Metadata.Name));
            }
        }
    }

    private void Wire()
    {
        Caches.Clusters.Changed += (old, now) =>
        {
            var obj = now ?? old!;
            Queue.Add(new ObjectKey(ResourceKind.Cluster, obj.Metadata.NamespaceProperty, obj.Metadata.Name));

            // Pausing or resuming a Cluster pauses or resumes its components.
            if (EngulaApi.IsPaused(old?.Metadata) != EngulaApi.IsPaused(now?.Metadata))
            {
                foreach (var member in Caches.ClusterMembers(obj.Metadata.NamespaceProperty, obj.Metadata.Name))
                {
                    Queue.Add(new ObjectKey(ResourceKinds.Parse(member.Kind), obj.Metadata.NamespaceProperty, member.Metadata.Name));
                }
            }
        };
        foreach (var (kind, informer) in Caches.Components)
        {
            informer.Changed += (old, now) =>
            {
                var obj = now ?? old!;
                string ns = obj.Metadata.NamespaceProperty;
                Queue.Add(new ObjectKey(kind, ns, obj.Metadata.Name));
                foreach (var owner in obj.Metadata.OwnerReferences ?? [])
                {
                    if (owner.Kind == "Cluster" && owner.ApiVersion == EngulaApi.ApiVersion)
                    {
                        Queue.Add(new ObjectKey(ResourceKind.Cluster, ns, owner.Name));
                    }
                }

                // Peers wait on this one's readiness (bootstrap) and name its Service in their env.
                foreach (var member in Caches.ClusterMembers(ns, Caches.Instance(obj)))
                {
                    Queue.Add(new ObjectKey(ResourceKinds.Parse(member.Kind), ns, member.Metadata.Name));
                }
            };
        }

        Caches.StatefulSets.Changed += (old, now) => RequeueOwner(now ?? old!);
        Caches.Services.Changed += (old, now) => RequeueOwner(now ?? old!);
        Caches.Pods.Changed += (old, now) =>
        {
            // A pod's owner is its StatefulSet, named like the component resource; the component label gives the kind.
            var pod = now ?? old!;
            var sts = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "StatefulSet");
            if (sts is not null
                && pod.Metadata.Labels is { } labels && labels.TryGetValue(EngulaLabels.Component, out var component) && component.Length > 0
                && ResourceKinds.TryParse(char.ToUpperInvariant(component[0]) + component[1..], out var kind))
            {
                Queue.Add(new ObjectKey(kind, pod.Metadata.NamespaceProperty, sts.Name));
            }
        };
    }

    private void RequeueOwner(IKubernetesObject<V1ObjectMeta> obj)
    {
        foreach (var owner in obj.Metadata.OwnerReferences ?? [])
        {
            if (owner.ApiVersion == EngulaApi.ApiVersion && ResourceKinds.TryParse(owner.Kind, out var kind))
            {
                Queue.Add(new ObjectKey(kind, obj.Metadata.NamespaceProperty, owner.Name));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "API discovery: PodDisruptionBudget policy/{PdbVersion}, NetworkPolicy {NetworkPolicies}, PodMonitors {PodMonitors}")]
    private static partial void LogCapabilities(ILogger logger, string pdbVersion, bool networkPolicies, string podMonitors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reconcile of {Key} failed; retrying in {Seconds:F1} s")]
    private static partial void LogReconcileFailed(ILogger logger, string key, double seconds, Exception exception);
}
