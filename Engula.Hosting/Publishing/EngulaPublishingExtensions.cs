#pragma warning disable ASPIREPIPELINES001 // The pipeline API is experimental in Aspire 13.6.

using Aspire.Hosting.Pipelines;
using Engula.Hosting.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Registers the Engula Kubernetes publisher and deployer (docs/publish.md).</summary>
public static partial class EngulaPublishingExtensions
{
    /// <summary>
    /// Adds the <c>engula-kubernetes</c> pipeline step, which <c>--operation publish --step publish</c> runs: it writes
    /// the Kubernetes manifests of the app model's Engula resources to <c>--output-path</c>; the steps that build the
    /// <c>engula</c> image and push it to <c>Engula:Registry</c> (<c>engula-image-build</c>, <c>engula-image-push</c>);
    /// and the steps that <c>aspire deploy</c> and <c>aspire destroy</c> run (<see cref="EngulaKubernetesDeployer"/>). Calling it twice adds
    /// them once. A failing step sets the process exit code to 1, because <c>dotnet run -- --operation publish</c>
    /// otherwise exits 0 after a failed step (Aspire 13.6).
    /// </summary>
    public static IDistributedApplicationBuilder AddEngulaKubernetesPublisher(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(PublisherMarker)))
        {
            return builder;
        }

        builder.Services.AddSingleton<PublisherMarker>();
        builder.Pipeline.AddStep(
            EngulaKubernetesPublisher.StepName,
            async context =>
            {
                try
                {
                    await EngulaKubernetesPublisher.PublishAsync(context).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Environment.ExitCode = 1;
                    LogFailed(context.Logger, e.Message);
                    throw;
                }
            },
            dependsOn: WellKnownPipelineSteps.PublishPrereq,
            requiredBy: WellKnownPipelineSteps.Publish);

        // The engula image: built and pushed when Engula:Registry is set (or when the step is asked for by name), so that
        // deploy can pin the pushed digest.
        var appHost = builder.AppHostAssembly;
        builder.Services.AddSingleton<EngulaPushedImage>();
        builder.Pipeline.AddStep(
            EngulaImageSteps.BuildStepName,
            context => RunAsync(context, c => EngulaImageSteps.BuildAsync(c, appHost), "image build"),
            dependsOn: WellKnownPipelineSteps.BuildPrereq,
            requiredBy: WellKnownPipelineSteps.Build);
        builder.Pipeline.AddStep(
            EngulaImageSteps.PushStepName,
            context => RunAsync(context, c => EngulaImageSteps.PushAsync(c, appHost), "image push"),
            dependsOn: new[] { WellKnownPipelineSteps.PushPrereq, EngulaImageSteps.BuildStepName },
            requiredBy: WellKnownPipelineSteps.Push);

        // aspire deploy / aspire destroy: the same objects, applied to or deleted from the current kube context.
        builder.Pipeline.AddStep(
            EngulaKubernetesDeployer.DeployStepName,
            context => RunAsync(context, EngulaKubernetesDeployer.DeployAsync, "Kubernetes deploy"),
            dependsOn: new[] { WellKnownPipelineSteps.DeployPrereq, EngulaImageSteps.PushStepName },
            requiredBy: WellKnownPipelineSteps.Deploy);
        builder.Pipeline.AddStep(
            EngulaKubernetesDeployer.DestroyStepName,
            context => RunAsync(context, EngulaKubernetesDeployer.DestroyAsync, "Kubernetes destroy"),
            dependsOn: WellKnownPipelineSteps.DestroyPrereq,
            requiredBy: WellKnownPipelineSteps.Destroy);
        return builder;
    }

    /// <summary>
    /// Where the component's pods run in Kubernetes and the extra labels and annotations they carry, when the app
    /// model is published or deployed (the same fields as a Cluster's <c>spec.pod</c> for the operator): node selector,
    /// tolerations, affinity, topology spread (a constraint without a label selector spreads this component's pods),
    /// priority class. Validated when publishing; a second call replaces the first. Run mode is unaffected.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.AddEngulaJournal("journal").WithKubernetesPodSettings(new EngulaPodSettings
    /// {
    ///     NodeSelector = new Dictionary&lt;string, string&gt; { ["disk"] = "ssd" },
    ///     Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "engula", Effect = "NoSchedule" }],
    /// });
    /// </code>
    /// </example>
    public static IResourceBuilder<T> WithKubernetesPodSettings<T>(this IResourceBuilder<T> builder, Engula.Kubernetes.EngulaPodSettings settings)
        where T : EngulaServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        return builder.WithAnnotation(new EngulaPodSettingsAnnotation(settings), ResourceAnnotationMutationBehavior.Replace);
    }

    private static async Task RunAsync(PipelineStepContext context, Func<PipelineStepContext, Task> step, string operation)
    {
        try
        {
            await step(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Environment.ExitCode = 1;
            LogOperationFailed(context.Logger, operation, e.Message);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Engula {Operation} failed: {Reason}")]
    private static partial void LogOperationFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engula Kubernetes publish failed, nothing was written: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    /// <summary>Marks a builder that has the step already.</summary>
    private sealed class PublisherMarker;
}
