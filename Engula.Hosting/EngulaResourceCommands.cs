using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Engula.Hosting;

/// <summary>
/// What the dashboard offers on Engula resources besides start, stop and restart (also <c>aspire resource &lt;name&gt;
/// &lt;command&gt;</c>): on every component a fault button, <c>Kill (SIGKILL)</c>, so that a developer can watch the
/// cluster ride through a crash; on the engine <c>Flush memtable</c> and links to try a put and a get and to its
/// metrics; on the kernel <c>Show version</c>, the current version's tables and metadata; on journal, storage and kernel in
/// file mode <c>Wipe data</c>, only while the component is stopped. Each command reports success or a one-line failure in
/// the dashboard.
/// </summary>
internal static class EngulaResourceCommands
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(35);

    public static IResourceBuilder<T> WithEngulaCommands<T>(this IResourceBuilder<T> builder)
        where T : EngulaServerResource
    {
        var resource = builder.Resource;
        builder.WithCommand("engula-kill", "Kill (SIGKILL)", KillAsync, new CommandOptions
        {
            Description = "Kills the process at once, as a crash would. Start it again to watch the cluster recover.",
            ConfirmationMessage = $"SIGKILL {resource.Name} now? Acknowledged writes survive it; while it is down, puts wait (journal) or fail (engine).",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        if (resource is EngulaEngineResource engine)
        {
            builder.WithCommand("engula-flush", "Flush memtable", context => FlushAsync(engine, context), new CommandOptions
            {
                Description = "Writes what the memtable holds to a table in storage now and records it in the kernel.",
                IconName = "ArrowDownload",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
            builder.WithUrls(context =>
            {
                if (context.ExecutionContext.IsRunMode && engine.PrimaryEndpoint.IsAllocated)
                {
                    string url = engine.PrimaryEndpoint.Url;
                    context.Urls.Add(new ResourceUrlAnnotation { Url = url + "/put?key=hello&value=world", DisplayText = "Try a put" });
                    context.Urls.Add(new ResourceUrlAnnotation { Url = url + "/get?key=hello", DisplayText = "Try a get" });
                    context.Urls.Add(new ResourceUrlAnnotation { Url = url + "/metrics", DisplayText = "Metrics" });
                }
            });
        }

        if (resource is EngulaDataResource data)
        {
            builder.WithCommand("engula-wipe-data", "Wipe data", context => Task.FromResult(WipeDataNow(data, context)), new CommandOptions
            {
                Description = "Deletes this component's files so that it starts empty. Only while it is stopped.",
                ConfirmationMessage = $"Delete every file of {resource.Name} in {data.DataDirectory}? This cannot be undone. "
                    + "The cluster's data is the journal, the storage and the kernel together: wipe all three, with the engine stopped too, "
                    + "to start empty — one alone leaves the others naming what is gone.",
                IconName = "Delete",
                // Memory mode has nothing on disk; a running process would keep writing into what is deleted.
                UpdateState = context => data.DataMode != EngulaDataMode.File ? ResourceCommandState.Hidden
                    : IsStopped(context.ResourceSnapshot.State?.Text) ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });
            builder.WithUrls(context =>
            {
                if (context.ExecutionContext.IsRunMode && resource.AdminEndpoint is { IsAllocated: true } admin)
                {
                    context.Urls.Add(new ResourceUrlAnnotation { Url = admin.Url + "/health", DisplayText = "Health" });
                    context.Urls.Add(new ResourceUrlAnnotation { Url = admin.Url + "/metrics", DisplayText = "Metrics" });
                }
            });

            // The admin listener's bare address says nothing that its two links do not: keep it out of the list.
            builder.WithUrlForEndpoint(EngulaEndpointNames.Admin, url => url.DisplayLocation = UrlDisplayLocation.DetailsOnly);
        }

        if (resource is EngulaKernelResource kernel)
        {
            builder.WithCommand("engula-show-version", "Show version", context => ShowVersionAsync(kernel, context), new CommandOptions
            {
                Description = "The kernel's current version: its sequence, the engine's tables and metadata.",
                IconName = "BranchFork",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
        }

        return builder;
    }

    private static Task<ExecuteCommandResult> KillAsync(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var state))
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} has no state yet"));
        }

        // Only a local process has a pid; a component run from an image is a container (kill it with podman or docker).
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        if (pid is null || !int.TryParse(Convert.ToString(pid, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} is not a running local process"));
        }

        try
        {
            using var process = Process.GetProcessById(id);
            process.Kill(); // SIGKILL on Linux and macOS
            return Task.FromResult(CommandResults.Success($"SIGKILL sent to {context.ResourceName} (pid {id})"));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} (pid {id}): {e.Message}"));
        }
    }

    private static bool IsStopped(string? state) =>
        state is not null && (KnownResourceStates.TerminalStates.Contains(state) || state == KnownResourceStates.NotStarted);

    private static ExecuteCommandResult WipeDataNow(EngulaDataResource data, ExecuteCommandContext context)
    {
        // The dashboard disables the command while the component runs; the state is checked again here because it may
        // have started since the button was drawn, and aspire resource calls the command without looking.
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        string? state = notifications.TryGetCurrentState(context.ResourceName, out var current) ? current.Snapshot.State?.Text : null;
        if (!IsStopped(state))
        {
            return CommandResults.Failure($"{data.Name} is {state ?? "not known yet"}: stop it first, then wipe its data");
        }

        if (data.DataMode != EngulaDataMode.File)
        {
            return CommandResults.Failure($"{data.Name} runs in memory mode: it has no files to wipe");
        }

        if (data.ContainerImage is not null)
        {
            // From an image the data is a named volume, which only the container runtime can remove.
            string volume = data.Annotations.OfType<ContainerMountAnnotation>().FirstOrDefault(m => m.Type == ContainerMountType.Volume)?.Source ?? "its data volume";
            return CommandResults.Failure($"{data.Name} runs from an image: its data is the volume {volume}; remove it with podman volume rm or docker volume rm");
        }

        return WipeDirectory(data.Name, data.DataDirectory);
    }

    /// <summary>Deletes what <paramref name="directory"/> holds and keeps the directory itself (the process expects it).</summary>
    internal static ExecuteCommandResult WipeDirectory(string resourceName, string directory)
    {
        var info = new DirectoryInfo(directory);
        if (!info.Exists)
        {
            return CommandResults.Success($"{resourceName} has no data: {directory} does not exist");
        }

        long files = 0, bytes = 0;
        try
        {
            foreach (var file in info.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                files++;
                bytes += file.Length;
            }

            foreach (var entry in info.EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo child)
                {
                    child.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CommandResults.Failure($"{resourceName}: could not wipe {directory}: {e.Message}");
        }

        return CommandResults.Success(string.Create(CultureInfo.InvariantCulture, $"wiped {resourceName}: deleted {files} files ({bytes} bytes) from {directory}"));
    }

    private static async Task<ExecuteCommandResult> FlushAsync(EngulaEngineResource engine, ExecuteCommandContext context)
    {
        using var http = new HttpClient { Timeout = CallTimeout };
        try
        {
            using var response = await http.PostAsync(new Uri(new Uri(engine.PrimaryEndpoint.Url), "/admin/flush"), null, context.CancellationToken).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? CommandResults.Success(body)
                : CommandResults.Failure($"{(int)response.StatusCode}: {body}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !context.CancellationToken.IsCancellationRequested)
        {
            return CommandResults.Failure($"the engine did not answer: {e.Message}");
        }
    }

    private static async Task<ExecuteCommandResult> ShowVersionAsync(EngulaKernelResource kernel, ExecuteCommandContext context)
    {
        using var channel = GrpcChannel.ForAddress(kernel.PrimaryEndpoint.Url);
        var client = new Engula.Protocol.Kernel.Kernel.KernelClient(channel);
        try
        {
            var version = (await client.CurrentVersionAsync(new Engula.Protocol.Kernel.CurrentVersionRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: context.CancellationToken).ConfigureAwait(false)).Version;
            if (version is null)
            {
                return CommandResults.Failure("the kernel answered without a version");
            }

            var text = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"sequence: {version.Sequence}\n")
                .Append(CultureInfo.InvariantCulture, $"tables ({version.Objects.Count}): {string.Join(", ", version.Objects)}\n");
            foreach (var (key, value) in version.Meta.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                // The engine's metadata values are big-endian 64-bit numbers (timestamps, object numbers).
                string shown = value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value.Span).ToString(CultureInfo.InvariantCulture) : Convert.ToHexString(value.Span);
                text.Append(CultureInfo.InvariantCulture, $"{key}: {shown}\n");
            }

            return CommandResults.Success($"version {version.Sequence}: {version.Objects.Count} tables", text.ToString(), CommandResultFormat.Text);
        }
        catch (Grpc.Core.RpcException e)
        {
            return CommandResults.Failure($"the kernel did not answer: {e.StatusCode} {e.Status.Detail}");
        }
    }
}
