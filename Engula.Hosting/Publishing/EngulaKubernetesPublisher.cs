#pragma warning disable ASPIREPIPELINES001 // The pipeline API is experimental in Aspire 13.6.
#pragma warning disable ASPIREPIPELINES004 // IPipelineOutputService, likewise.

using System.Diagnostics;
using Aspire.Hosting.Pipelines;
using Engula.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The pipeline step that writes Kubernetes manifests for the Engula resources of the app model: the app model is
/// mapped to an <see cref="EngulaCluster"/> (<see cref="EngulaClusterMapper"/>), the objects come from
/// <see cref="EngulaObjects"/>, and the files (one per component, the ServiceAccount, <c>kustomization.yaml</c>) go
/// to the pipeline's output directory (<c>--output-path</c>).
/// </summary>
public static partial class EngulaKubernetesPublisher
{
    /// <summary>The step's name (<c>--step engula-kubernetes</c> runs it alone; <c>--step publish</c> includes it).</summary>
    public const string StepName = "engula-kubernetes";

    /// <summary>Runs the step: map, build, validate and write; nothing is written unless everything is valid.</summary>
    /// <exception cref="EngulaPublishException">The model or the options cannot be published; the message says why.</exception>
    public static async Task PublishAsync(PipelineStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var options = EngulaPublishOptions.From(context.Services.GetRequiredService<IConfiguration>());
        string output = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
        var manifests = await BuildAsync(context.Model, context.ExecutionContext, options, context.CancellationToken).ConfigureAwait(false);
        await EngulaManifestWriter.WriteAsync(manifests, output, context.CancellationToken).ConfigureAwait(false);
        LogPublished(context.Logger, manifests.Files.Count, output, options.ImageReference, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The files for <paramref name="model"/> with <paramref name="options"/>, in memory.</summary>
    /// <exception cref="EngulaPublishException">The model or the options cannot be published; the message says why.</exception>
    public static async Task<EngulaManifestSet> BuildAsync(
        DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, EngulaPublishOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = await EngulaClusterMapper.MapAsync(model, executionContext, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return EngulaManifestSet.Create(cluster);
        }
        catch (ArgumentException e)
        {
            throw new EngulaPublishException(Explain(e, cluster, options), e);
        }
    }

    /// <summary>
    /// The builders name the field at fault (<c>cluster.Components[0].Name: …</c>); say which Aspire resource or
    /// setting that field came from.
    /// </summary>
    internal static string Explain(ArgumentException e, EngulaCluster cluster, EngulaPublishOptions options)
    {
        string field = e.ParamName ?? "";
        string source = "";
        const string prefix = "cluster.Components[";
        if (field.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(field.AsSpan(prefix.Length, field.IndexOf(']', StringComparison.Ordinal) - prefix.Length), System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            string resource = EngulaClusterMapper.ResourceNameAt(cluster, index);
            source = field.EndsWith(".Image", StringComparison.Ordinal)
                ? $" (the image is {EngulaPublishOptions.ImageKey}='{options.Image}' and {EngulaPublishOptions.ImageTagKey}='{options.ImageTag}')"
                : field.EndsWith(".Name", StringComparison.Ordinal)
                    ? $" (Aspire resource '{resource}': published objects are named after the resource, which must be a lower-case DNS-1035 label of at most 52 characters)"
                    : $" (Aspire resource '{resource}')";
        }

        return $"the Engula cluster cannot be published as Kubernetes manifests: {e.Message}{source}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Engula Kubernetes manifests: {Count} files written to {Output} (image {Image}) in {Milliseconds:F0} ms; deploy with kubectl apply -k {Output}")]
    private static partial void LogPublished(ILogger logger, int count, string output, string image, double milliseconds);
}
