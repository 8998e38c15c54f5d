#pragma warning disable ASPIREPIPELINES001 // The pipeline API is experimental in Aspire 13.6.

using System.Net;
using Aspire.Hosting.Pipelines;
using Engula.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Hosting.Publishing;

/// <summary>
/// <c>aspire deploy</c> and <c>aspire destroy</c> for the Engula resources of the app model: the same objects the
/// publisher writes (<see cref="EngulaObjects"/>), applied to a cluster with server-side apply under the field manager
/// <see cref="FieldManager"/>, then awaited until every StatefulSet is ready; and deleted again, found by the objects'
/// labels, keeping the data volumes unless asked otherwise. docs/publish.md, "Deploy".
/// </summary>
/// <remarks>
/// Nothing is applied until the whole model has been mapped and built, so an invalid model touches nothing; an apply
/// that fails half-way (no permission for one kind, say) leaves objects that the next deploy updates in place, since
/// server-side apply of the same object is idempotent. Applying objects that did not change writes nothing.
/// </remarks>
public static partial class EngulaKubernetesDeployer
{
    /// <summary>The deploy step's name (<c>aspire do engula-kubernetes-deploy</c>; <c>aspire deploy</c> includes it).</summary>
    public const string DeployStepName = "engula-kubernetes-deploy";

    /// <summary>The destroy step's name (<c>aspire destroy</c> includes it).</summary>
    public const string DestroyStepName = "engula-kubernetes-destroy";

    /// <summary>The server-side apply field manager of everything deploy writes.</summary>
    public const string FieldManager = "engula-deploy";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Runs the deploy step.</summary>
    /// <exception cref="EngulaPublishException">The model, the options or the cluster refused the deploy; the message says why.</exception>
    public static async Task DeployAsync(PipelineStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        // The image the push step pushed, pinned by digest; else the configured one.
        var publish = context.Services.GetRequiredService<EngulaPushedImage>().ApplyTo(EngulaPublishOptions.From(configuration));
        var options = EngulaDeployOptions.From(configuration);
        using var target = Connect(options);
        var version = await ServerVersionAsync(target, ct).ConfigureAwait(false);

        // Built for the server it goes to: PodDisruptionBudgets as policy/v1beta1 before 1.21 unless told otherwise.
        publish = publish with { TargetVersion = publish.TargetVersion ?? version };
        var objects = await BuildAsync(context, publish, target.Namespace).ConfigureAwait(false);

        var apply = await context.ReportingStep.CreateTaskAsync($"Applying {objects.All.Count} objects to namespace {target.Namespace} on {target.Server} (Kubernetes {version})", ct).ConfigureAwait(false);
        var changed = new List<string>();
        foreach (var obj in objects.All)
        {
            if (await ApplyAsync(target.Client, obj, ct).ConfigureAwait(false))
            {
                changed.Add($"{obj.Kind}/{obj.Metadata.Name}");
            }
        }

        await apply.CompleteAsync(
            changed.Count == 0 ? $"No change: all {objects.All.Count} objects were up to date" : $"Applied {changed.Count} of {objects.All.Count} objects: {string.Join(", ", changed)}",
            CompletionState.Completed, ct).ConfigureAwait(false);

        foreach (var component in objects.Components)
        {
            var wait = await context.ReportingStep.CreateTaskAsync($"Waiting for {component.Name} to be ready", ct).ConfigureAwait(false);
            var ready = await WaitReadyAsync(target.Client, target.Namespace, component, options.ReadyTimeout, wait, ct).ConfigureAwait(false);
            await wait.CompleteAsync($"{component.Name}: {ready}", CompletionState.Completed, ct).ConfigureAwait(false);
        }

        var engine = objects.Components.FirstOrDefault(c => c.Kind == EngulaComponentKind.Engine);
        if (engine is not null)
        {
            string reach = $"in the cluster: http://{engine.Name}.{target.Namespace}.svc:{engine.Port}/get?key=1 ; from here: kubectl port-forward -n {target.Namespace} statefulset/{engine.Name} {engine.Port}:{engine.Port}";
            context.Summary.Add("Engula engine", reach);
            LogReach(context.Logger, reach);
        }

        LogDeployed(context.Logger, objects.All.Count, changed.Count, target.Namespace, target.Server, changed.Count == 0 ? "none" : string.Join(", ", changed));
    }

    /// <summary>Runs the destroy step: deletes what deploy created, keeps the data volumes unless <c>Engula:DeleteData=true</c>.</summary>
    /// <exception cref="EngulaPublishException">The model, the options or the cluster refused; the message says why.</exception>
    public static async Task DestroyAsync(PipelineStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var options = EngulaDeployOptions.From(configuration);
        using var target = Connect(options);
        var version = await ServerVersionAsync(target, ct).ConfigureAwait(false);
        var publish = EngulaPublishOptions.From(configuration);
        var objects = await BuildAsync(context, publish with { TargetVersion = publish.TargetVersion ?? version }, target.Namespace).ConfigureAwait(false);

        var task = await context.ReportingStep.CreateTaskAsync($"Deleting the Engula objects in namespace {target.Namespace} on {target.Server}", ct).ConfigureAwait(false);
        var deleted = new List<string>();
        foreach (var obj in objects.All.Reverse())
        {
            if (await DeleteAsync(target.Client, obj, ct).ConfigureAwait(false))
            {
                deleted.Add($"{obj.Kind}/{obj.Metadata.Name}");
            }
        }

        // The claims the StatefulSets made from their templates: data-<set>-<ordinal>.
        var claimNames = objects.Components
            .SelectMany(c => (c.StatefulSet.Spec.VolumeClaimTemplates ?? []).Select(t => $"{t.Metadata.Name}-{c.Name}-"))
            .ToList();
        var claims = (await Call(() => target.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(target.Namespace, cancellationToken: ct), "list PersistentVolumeClaims").ConfigureAwait(false))
            .Items.Where(c => claimNames.Any(prefix => c.Metadata.Name.StartsWith(prefix, StringComparison.Ordinal))).Select(c => c.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        if (options.DeleteData)
        {
            foreach (var claim in claims)
            {
                await Call(() => target.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(claim, target.Namespace, cancellationToken: ct), $"delete PersistentVolumeClaim/{claim}").ConfigureAwait(false);
                deleted.Add("PersistentVolumeClaim/" + claim);
            }
        }

        string kept = options.DeleteData || claims.Count == 0
            ? "no data volume kept"
            : $"kept {claims.Count} data volumes ({string.Join(", ", claims)}); delete them with {EngulaDeployOptions.DeleteDataKey}=true";
        await task.CompleteAsync(
            deleted.Count == 0 ? $"Nothing to delete; {kept}" : $"Deleted {deleted.Count} objects ({string.Join(", ", deleted)}); {kept}",
            CompletionState.Completed, ct).ConfigureAwait(false);
        context.Summary.Add("Engula data volumes", kept);
        LogDestroyed(context.Logger, deleted.Count, target.Namespace, kept);
    }

    private static async Task<ClusterObjects> BuildAsync(PipelineStepContext context, EngulaPublishOptions publish, string ns)
    {
        var cluster = await EngulaClusterMapper.MapAsync(context.Model, context.ExecutionContext, publish, context.CancellationToken).ConfigureAwait(false);
        cluster = cluster with { Namespace = ns };
        try
        {
            return EngulaObjects.Build(cluster);
        }
        catch (ArgumentException e)
        {
            throw new EngulaPublishException(EngulaKubernetesPublisher.Explain(e, cluster, publish), e);
        }
    }

    private static DeployTarget Connect(EngulaDeployOptions options)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = options.Kubeconfig is { } path
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
                : KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new EngulaPublishException(
                $"no Kubernetes cluster to deploy to: {e.Message} (set KUBECONFIG, or {EngulaDeployOptions.KubeconfigKey}=<file>)", e);
        }

        var ns = options.Namespace ?? config.Namespace ?? "default";
        return new DeployTarget(new k8s.Kubernetes(config), ns, config.Host);
    }

    private static async Task<KubernetesVersion> ServerVersionAsync(DeployTarget target, CancellationToken ct)
    {
        VersionInfo info;
        try
        {
            info = await target.Client.Version.GetCodeAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new EngulaPublishException($"cannot reach the Kubernetes API server at {target.Server}: {Describe(e)}", e);
        }

        return KubernetesVersion.TryParse(info.GitVersion, out var version) ? version
            : throw new EngulaPublishException($"the Kubernetes API server at {target.Server} reports version '{info.GitVersion}', which is not major.minor");
    }

    /// <summary>
    /// Server-side applies <paramref name="obj"/> unless the live object already holds every value of it; true if it
    /// was applied. The compare matters: on Kubernetes 1.20 re-applying an identical StatefulSet is not a no-op once
    /// its controller has written its status, so "apply everything again" would write on every deploy.
    /// </summary>
    private static async Task<bool> ApplyAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        string name = obj.Metadata.Name;
        string ns = obj.Metadata.NamespaceProperty;
        if (JsonSubset.Contains(await ReadAsync(client, obj, ct).ConfigureAwait(false), obj, out _))
        {
            return false;
        }

        await Call(async () => obj switch
        {
            V1ServiceAccount sa => (await client.CoreV1.PatchNamespacedServiceAccountAsync(Patch(sa), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            V1Service svc => (await client.CoreV1.PatchNamespacedServiceAsync(Patch(svc), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            V1StatefulSet sts => (await client.AppsV1.PatchNamespacedStatefulSetAsync(Patch(sts), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            V1NetworkPolicy np => (await client.NetworkingV1.PatchNamespacedNetworkPolicyAsync(Patch(np), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            V1PodDisruptionBudget pdb when pdb.ApiVersion == "policy/v1" =>
                (await client.PolicyV1.PatchNamespacedPodDisruptionBudgetAsync(Patch(pdb), name, ns, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            // Before 1.21 there is no policy/v1; the spec is the same in v1beta1.
            V1PodDisruptionBudget pdb => (await client.CustomObjects.PatchNamespacedCustomObjectAsync<V1PodDisruptionBudget>(
                Patch(pdb), "policy", "v1beta1", ns, "poddisruptionbudgets", name, fieldManager: FieldManager, force: true, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            _ => throw new EngulaPublishException($"no deploy for {obj.Kind}"),
        }, $"apply {obj.Kind}/{name} in namespace {ns}").ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes <paramref name="obj"/> if it exists and carries the labels deploy gave it; true if deleted.</summary>
    private static async Task<bool> DeleteAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        string name = obj.Metadata.Name;
        string ns = obj.Metadata.NamespaceProperty;
        var live = await LiveLabelsAsync(client, obj, ct).ConfigureAwait(false);
        if (live is null)
        {
            return false;
        }

        // Only what this deploy manages: an object of the same name made by someone else (the operator) is left alone.
        if (obj.Metadata.Labels.Any(label => !live.TryGetValue(label.Key, out var value) || value != label.Value))
        {
            return false;
        }

        var options = new V1DeleteOptions { PropagationPolicy = "Background" };
        await Call(async () => obj switch
        {
            V1ServiceAccount => await client.CoreV1.DeleteNamespacedServiceAccountAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false) as object,
            V1Service => await DeleteServiceAsync(client, name, ns, options, ct).ConfigureAwait(false),
            V1StatefulSet => await client.AppsV1.DeleteNamespacedStatefulSetAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false),
            V1NetworkPolicy => await client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false),
            V1PodDisruptionBudget pdb => await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                "policy", pdb.ApiVersion == "policy/v1" ? "v1" : "v1beta1", ns, "poddisruptionbudgets", name, options, cancellationToken: ct).ConfigureAwait(false),
            _ => throw new EngulaPublishException($"no destroy for {obj.Kind}"),
        }, $"delete {obj.Kind}/{name} in namespace {ns}").ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Kubernetes before 1.21 answers a Service deletion with a Status, not the Service, which the typed client fails
    /// to read as a Service after the deletion has happened; that failure is the success it looks like.
    /// </summary>
    private static async Task<object> DeleteServiceAsync(IKubernetes client, string name, string ns, V1DeleteOptions options, CancellationToken ct)
    {
        try
        {
            return await client.CoreV1.DeleteNamespacedServiceAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return name;
        }
    }

    private static async Task<IDictionary<string, string>?> LiveLabelsAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct) =>
        (await ReadAsync(client, obj, ct).ConfigureAwait(false)) is { } live ? live.Metadata.Labels ?? new Dictionary<string, string>() : null;

    /// <summary>The live object, or null when it does not exist.</summary>
    private static async Task<IKubernetesObject<V1ObjectMeta>?> ReadAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        string name = obj.Metadata.Name;
        string ns = obj.Metadata.NamespaceProperty;
        try
        {
            return obj switch
            {
                V1ServiceAccount => await client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                V1Service => await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                V1StatefulSet => await client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                V1NetworkPolicy => await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                V1PodDisruptionBudget pdb => await client.CustomObjects.GetNamespacedCustomObjectAsync<V1PodDisruptionBudget>(
                    "policy", pdb.ApiVersion == "policy/v1" ? "v1" : "v1beta1", ns, "poddisruptionbudgets", name, cancellationToken: ct).ConfigureAwait(false),
                _ => throw new EngulaPublishException($"no read for {obj.Kind}"),
            };
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw new EngulaPublishException($"read {obj.Kind}/{name} in namespace {ns}: {Describe(e)}", e);
        }
    }

    /// <summary>Polls the StatefulSet until its pods run the current spec and are ready; the status reports progress.</summary>
    private static async Task<string> WaitReadyAsync(IKubernetes client, string ns, ComponentObjects component, TimeSpan timeout, IReportingTask progress, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        string seen = "not read yet";
        try
        {
            while (true)
            {
                var set = await Call(() => client.AppsV1.ReadNamespacedStatefulSetAsync(component.Name, ns, cancellationToken: bounded.Token), $"read StatefulSet/{component.Name}").ConfigureAwait(false);
                int want = set.Spec.Replicas ?? 1;
                var status = set.Status;
                string now = $"{status?.ReadyReplicas ?? 0}/{want} ready, {status?.UpdatedReplicas ?? 0}/{want} on the current spec";
                if (status is not null && status.ObservedGeneration >= set.Metadata.Generation
                    && (status.ReadyReplicas ?? 0) >= want && (status.UpdatedReplicas ?? 0) >= want)
                {
                    return now;
                }

                if (now != seen)
                {
                    seen = now;
                    await progress.UpdateAsync($"Waiting for {component.Name}: {now}", ct).ConfigureAwait(false);
                }

                await Task.Delay(PollInterval, bounded.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new EngulaPublishException(
                $"{component.Name} was not ready within {timeout.TotalSeconds:0} s ({seen}); see kubectl describe statefulset/{component.Name} -n {ns} (wait longer with {EngulaDeployOptions.ReadyTimeoutKey}=<seconds>)");
        }
    }

    private static V1Patch Patch(object body) => new(body, V1Patch.PatchType.ApplyPatch);

    /// <summary>An API call whose failure becomes one line naming what was attempted.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            throw new EngulaPublishException($"{what}: {Describe(e)}", e);
        }
    }

    /// <summary>The server's own message (its Status JSON carries a one-line message) or the transport's.</summary>
    private static string Describe(Exception e)
    {
        if (e is HttpOperationException { Response: { } response })
        {
            string message = response.Content ?? "";
            try
            {
                var status = KubernetesJson.Deserialize<V1Status>(message);
                if (!string.IsNullOrEmpty(status?.Message))
                {
                    message = status.Message;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }

            return $"{(int)response.StatusCode} {response.StatusCode}: {message.ReplaceLineEndings(" ")}";
        }

        return (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" ");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Engula deployed: {Count} objects ({Changed} changed) in namespace {Namespace} on {Server}, every StatefulSet ready; changed: {ChangedObjects}")]
    private static partial void LogDeployed(ILogger logger, int count, int changed, string @namespace, string server, string changedObjects);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Reach the engine {Reach}")]
    private static partial void LogReach(ILogger logger, string reach);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Engula destroyed: {Count} objects deleted in namespace {Namespace}; {Kept}")]
    private static partial void LogDestroyed(ILogger logger, int count, string @namespace, string kept);

    private sealed class DeployTarget(IKubernetes client, string ns, string server) : IDisposable
    {
        public IKubernetes Client { get; } = client;

        public string Namespace { get; } = ns;

        public string Server { get; } = server;

        public void Dispose() => Client.Dispose();
    }
}
