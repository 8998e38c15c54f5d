#pragma warning disable ASPIREPIPELINES001 // The pipeline API is experimental in Aspire 13.6.

using System.Reflection;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The <c>engula</c> image as pipeline steps: <see cref="BuildStepName"/> publishes the server self-contained and
/// builds the Containerfile around it with podman or docker (what eng/image/build.sh does, from the same publish
/// profile and Containerfile); <see cref="PushStepName"/> pushes it to <c>Engula:Registry</c> and keeps the digest the
/// registry stored, which <c>aspire deploy</c> then pins every container to. Without a registry, <c>aspire deploy</c>
/// builds nothing and deploys the configured image; run by name (<c>aspire do engula-image-build</c>) a step always runs.
/// </summary>
internal static partial class EngulaImageSteps
{
    /// <summary>The build step's name (<c>aspire do engula-image-build</c>).</summary>
    public const string BuildStepName = "engula-image-build";

    /// <summary>The push step's name (<c>aspire do engula-image-push</c>; <c>aspire deploy</c> includes it).</summary>
    public const string PushStepName = "engula-image-push";

    /// <summary>The executable's name in the published output and in the image (<c>/bin/engula</c>).</summary>
    private const string EngulaServerBinary = "engula";

    /// <summary>The configuration key Aspire puts the requested step in (<c>--step</c>; <c>aspire do &lt;step&gt;</c>).</summary>
    private const string RequestedStepKey = "Pipeline:Step";

    /// <summary>The local name of the built image: <c>engula:&lt;ImageTag&gt;</c> (podman stores it as <c>localhost/engula</c>).</summary>
    public static string LocalImage(EngulaPublishOptions publish) => $"{EngulaImageOptions.Repository}:{publish.ImageTag}";

    public static async Task BuildAsync(PipelineStepContext context, Assembly? appHost)
    {
        var ct = context.CancellationToken;
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var options = EngulaImageOptions.From(configuration, appHost);
        var publish = EngulaPublishOptions.From(configuration);
        string? requested = configuration[RequestedStepKey];
        if (options.Registry is null && requested == PushStepName)
        {
            // Said before minutes of building, not after.
            throw NoRegistry();
        }

        if (options.Registry is null && requested != BuildStepName)
        {
            var skip = await context.ReportingStep.CreateTaskAsync("Building the engula image", ct).ConfigureAwait(false);
            await skip.CompleteAsync($"Skipped: no {EngulaImageOptions.RegistryKey}, so nothing is built and deploy uses {publish.ImageReference}", CompletionState.Completed, ct).ConfigureAwait(false);
            return;
        }

        var engine = FindEngine(options);
        string project = Existing(options.ServerProject, EngulaImageOptions.Key(nameof(EngulaImageOptions.ServerProject)), "the server project");
        string containerfile = Existing(options.Containerfile, EngulaImageOptions.Key(nameof(EngulaImageOptions.Containerfile)), "the Containerfile");
        string profile = Existing(options.ImagePublishProfile, EngulaImageOptions.Key(nameof(EngulaImageOptions.ImagePublishProfile)), "the image publish profile");
        string work = Directory.CreateTempSubdirectory("engula-image-").FullName;
        try
        {
            string output = Path.Combine(work, "publish");
            string buildContext = Path.Combine(work, "context");
            Directory.CreateDirectory(buildContext);

            var publishTask = await context.ReportingStep.CreateTaskAsync($"Publishing {Path.GetFileName(project)} self-contained, single file", ct).ConfigureAwait(false);
            await ExternalCommand.RunAsync(
                Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                ["publish", project, "-c", "Release", "-p:PublishProfileFullPath=" + profile, "-o", output, "-nologo", "-clp:ErrorsOnly"],
                line => LogTool(context.Logger, "dotnet", line),
                ct).ConfigureAwait(false);
            string executable = Path.Combine(output, EngulaServerBinary);
            if (!File.Exists(executable))
            {
                throw new EngulaPublishException($"publishing {project} made no '{EngulaServerBinary}' executable in {output}");
            }

            File.Copy(executable, Path.Combine(buildContext, EngulaServerBinary));
            File.Copy(containerfile, Path.Combine(buildContext, "Containerfile"));
            await publishTask.CompleteAsync($"Published {EngulaServerBinary} ({new FileInfo(executable).Length / (1024 * 1024)} MiB)", CompletionState.Completed, ct).ConfigureAwait(false);

            string image = LocalImage(publish);
            var buildTask = await context.ReportingStep.CreateTaskAsync($"Building {image} with {Path.GetFileName(engine.Executable)}", ct).ConfigureAwait(false);
            await engine.BuildAsync(buildContext, Path.Combine(buildContext, "Containerfile"), image, options.ImageBase, line => LogTool(context.Logger, engine.Executable, line), ct).ConfigureAwait(false);
            await buildTask.CompleteAsync($"Built {image}", CompletionState.Completed, ct).ConfigureAwait(false);
            context.Summary.Add("Engula image", image);
            LogBuilt(context.Logger, image, Path.GetFileName(engine.Executable));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static async Task PushAsync(PipelineStepContext context, Assembly? appHost)
    {
        var ct = context.CancellationToken;
        var configuration = context.Services.GetRequiredService<IConfiguration>();
        var options = EngulaImageOptions.From(configuration, appHost);
        var publish = EngulaPublishOptions.From(configuration);
        if (options.Registry is null)
        {
            if (configuration[RequestedStepKey] == PushStepName)
            {
                throw NoRegistry();
            }

            var skip = await context.ReportingStep.CreateTaskAsync("Pushing the engula image", ct).ConfigureAwait(false);
            await skip.CompleteAsync($"Skipped: no {EngulaImageOptions.RegistryKey}; deploy uses {publish.ImageReference}", CompletionState.Completed, ct).ConfigureAwait(false);
            return;
        }

        var engine = FindEngine(options);
        string image = LocalImage(publish);
        string target = options.RemoteReference(publish.ImageTag);
        var task = await context.ReportingStep.CreateTaskAsync($"Pushing {image} to {target}", ct).ConfigureAwait(false);
        string digest = await engine.PushAsync(image, target, options.RegistryIsLoopback, line => LogTool(context.Logger, engine.Executable, line), ct).ConfigureAwait(false);
        var pushed = context.Services.GetRequiredService<EngulaPushedImage>();
        pushed.Set($"{options.Registry}/{EngulaImageOptions.Repository}", digest);
        string reference = pushed.ApplyTo(publish).ImageReference;
        await task.CompleteAsync($"Pushed {reference}", CompletionState.Completed, ct).ConfigureAwait(false);
        context.Summary.Add("Engula image", reference);
        LogPushed(context.Logger, reference);
    }

    private static EngulaPublishException NoRegistry() =>
        new($"nothing to push to: set {EngulaImageOptions.RegistryKey}, e.g. --{EngulaImageOptions.RegistryKey}=localhost:5000");

    private static ContainerEngine FindEngine(EngulaImageOptions options) =>
        ContainerEngine.Find(options.ContainerEngine) ?? throw new EngulaPublishException(options.ContainerEngine is { } configured
            ? $"{EngulaImageOptions.Key(nameof(EngulaImageOptions.ContainerEngine))}='{configured}' is not an executable here"
            : $"no container engine: neither podman nor docker is on PATH. Install one, or leave {EngulaImageOptions.RegistryKey} unset to deploy an existing image ({EngulaPublishOptions.ImageKey}, {EngulaPublishOptions.ImageTagKey})");

    private static string Existing(string? path, string key, string what) =>
        path is not null && File.Exists(path) ? path
            : throw new EngulaPublishException(path is null
                ? $"{what} is unknown: set {key} (the AppHost project records it when it references Engula.Server)"
                : $"{what} '{path}' does not exist (set {key})");

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Engula image built: {Image} with {Engine}")]
    private static partial void LogBuilt(ILogger logger, string image, string engine);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Engula image pushed: {Reference}")]
    private static partial void LogPushed(ILogger logger, string reference);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "{Tool}: {Line}")]
    private static partial void LogTool(ILogger logger, string tool, string line);
}
