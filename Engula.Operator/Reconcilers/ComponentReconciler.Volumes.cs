namespace Engula.Operator.Reconcilers;

/// <summary>
/// Changes of the data volume. A StatefulSet's claim templates are immutable, so a changed
/// <c>volume.spec</c> is never applied as is. A larger size is applied where the StorageClass allows expansion: each
/// existing claim's request is raised (the storage driver grows the volume), then the StatefulSet is deleted with
/// its pods orphaned and created again with the new template, adopting the running pods without a restart (the pod
/// template, and with it the revision, is unchanged). Anything else — a smaller size, another class or access mode,
/// a class that cannot expand — is refused (Degraded=True) while the rest of the spec still reconciles: the live
/// claim template is kept in what is applied.
/// </summary>
internal sealed partial class ComponentReconciler
{
    /// <summary>What the volume step decided.</summary>
    internal sealed record VolumeState(string? RefusedReason = null, string? RefusedMessage = null, bool Recreating = false);

    private async Task<VolumeState> PlanVolumesAsync(V1StatefulSet desired, V1StatefulSet? live, CancellationToken ct)
    {
        var want = desired.Spec.VolumeClaimTemplates?.FirstOrDefault();
        var have = live?.Spec?.VolumeClaimTemplates?.FirstOrDefault();
        if (want is null || have is null || JsonSubset.Contains(have.Spec, want.Spec, out _))
        {
            return new VolumeState();
        }

        // Whatever is decided below, the StatefulSet is applied with the claim templates it has.
        desired.Spec.VolumeClaimTemplates = live!.Spec.VolumeClaimTemplates;
        string haveSize = have.Spec.Resources.Requests["storage"].ToString();
        string wantSize = want.Spec.Resources.Requests["storage"].ToString();
        int compare = new ResourceQuantity(wantSize).ToDecimal().CompareTo(new ResourceQuantity(haveSize).ToDecimal());
        if (want.Spec.StorageClassName != have.Spec.StorageClassName
            || !want.Spec.AccessModes.SequenceEqual(have.Spec.AccessModes ?? []))
        {
            return new VolumeState("VolumeChangeRefused",
                $"the data volume's StorageClass or access modes cannot change ({Describe(have)} now, {Describe(want)} asked): the claims hold the data; revert volume.spec");
        }

        if (compare < 0)
        {
            return new VolumeState("VolumeChangeRefused", $"the data volume cannot shrink from {haveSize} to {wantSize}: revert volume.spec");
        }

        var storageClass = await api.StorageClassAsync(have.Spec.StorageClassName, ct);
        if (storageClass?.AllowVolumeExpansion != true)
        {
            string which = storageClass is null ? $"no StorageClass {(have.Spec.StorageClassName ?? "(the default)")} exists" : $"StorageClass {storageClass.Metadata.Name} does not allow volume expansion";
            return new VolumeState("VolumeExpansionUnsupported", $"the data volume cannot grow from {haveSize} to {wantSize}: {which}; revert volume.spec or use a class with allowVolumeExpansion");
        }

        // Grow every existing claim first: a claim not yet there is made from the new template later.
        string ns = live.Metadata.NamespaceProperty;
        for (int ordinal = 0; ordinal < Math.Max(live.Spec.Replicas ?? 1, live.Status?.Replicas ?? 0); ordinal++)
        {
            var claim = await api.GetClaimAsync(ns, $"{have.Metadata.Name}-{live.Metadata.Name}-{ordinal}", ct);
            if (claim?.Spec?.Resources?.Requests?.TryGetValue("storage", out var requested) == true
                && requested.ToDecimal() < new ResourceQuantity(wantSize).ToDecimal())
            {
                LogExpandingClaim(logger, ns, claim.Metadata.Name, requested.ToString(), wantSize);
                await api.ExpandClaimAsync(claim, wantSize, ct);
            }
        }

        LogRecreatingStatefulSet(logger, ns, live.Metadata.Name, wantSize);
        await api.OrphanStatefulSetAsync(live, ct);
        return new VolumeState(Recreating: true);
    }

    private static string Describe(V1PersistentVolumeClaim template) =>
        $"class {template.Spec.StorageClassName ?? "(default)"}, {string.Join("+", template.Spec.AccessModes ?? [])}";

    [LoggerMessage(Level = LogLevel.Information, Message = "expanding claim {Namespace}/{Name} from {From} to {To}")]
    private static partial void LogExpandingClaim(ILogger logger, string @namespace, string name, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "re-creating StatefulSet {Namespace}/{Name} with {Size} data volumes; its pods are orphaned meanwhile and adopted again unchanged")]
    private static partial void LogRecreatingStatefulSet(ILogger logger, string @namespace, string name, string size);
}
