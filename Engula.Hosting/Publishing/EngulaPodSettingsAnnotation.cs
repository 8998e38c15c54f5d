using Engula.Kubernetes;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The Kubernetes pod settings (scheduling, pod labels and annotations) of one component when it is published or
/// deployed; run mode ignores it. Set with <c>WithKubernetesPodSettings</c>.
/// </summary>
public sealed class EngulaPodSettingsAnnotation(EngulaPodSettings settings) : IResourceAnnotation
{
    public EngulaPodSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));
}
