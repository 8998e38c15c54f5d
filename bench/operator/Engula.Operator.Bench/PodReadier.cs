using k8s;
using k8s.Models;

namespace Engula.Operator.Bench;

/// <summary>
/// Stands in for the kubelet, which the test cluster does not have: every Pod in the namespace that is not yet Ready
/// is patched to Running + Ready as soon as a poll sees it. It paces the harness (it is not a test), so it polls
/// the Pod list on a short fixed interval until stopped.
/// </summary>
internal sealed class PodReadier(IKubernetes admin, string ns)
{
    private static readonly V1Patch ReadyPatch = new(
        "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", V1Patch.PatchType.MergePatch);

    private long _patched;

    public long Patched => Interlocked.Read(ref _patched);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var pods = await admin.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct);
                foreach (var pod in pods.Items.Where(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true))
                {
                    await admin.CoreV1.PatchNamespacedPodStatusAsync(ReadyPatch, pod.Metadata.Name, ns, cancellationToken: ct);
                    Interlocked.Increment(ref _patched);
                }

                // Poll interval of the kubelet stand-in (there is no event to wait on that would be cheaper).
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // A Pod deleted between list and patch (a StatefulSet replacing it): the next poll sees the new one.
            }
        }
    }
}
