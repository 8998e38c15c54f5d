using System.Diagnostics;
using System.Net.Http.Headers;
using Engula.Tests.Shared.Polling;
using Engula.Tests.Shared.Ports;

namespace Engula.Testing.Kube;

/// <summary>
/// A real image registry (Distribution's <c>docker-registry</c>, installed with the node tier's packages) on a loopback
/// port with its storage in a temporary directory, for the image push step to push to; stopped and removed on dispose.
/// </summary>
internal sealed class LoopbackRegistry : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;
    private readonly HttpClient http;

    private LoopbackRegistry(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Address = $"127.0.0.1:{port}";
        http = new HttpClient { BaseAddress = new Uri($"http://{Address}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary><c>127.0.0.1:&lt;port&gt;</c>, the registry part of an image reference.</summary>
    public string Address { get; }

    public static async Task<LoopbackRegistry> StartAsync(CancellationToken ct)
    {
        int port = FreePort.Next();
        string directory = Directory.CreateTempSubdirectory("engula-registry-").FullName;
        string config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config, $"version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: {directory}/data}}}}\nhttp: {{addr: \"127.0.0.1:{port}\"}}\n", ct);
        var start = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start (eng/provision/kube-node.sh installs it)");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LoopbackRegistry(process, directory, port);
        try
        {
            await Poll.UntilAsync($"the registry answers /v2/ on {registry.Address}", async token =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"docker-registry exited with {process.ExitCode}");
                }

                try
                {
                    using var response = await registry.http.GetAsync("v2/", token);
                    return (response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    return (false, e.Message);
                }
            }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), ct);
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>The digest the registry stored for <paramref name="repository"/>:<paramref name="tag"/> (its <c>Docker-Content-Digest</c>).</summary>
    public async Task<string> ManifestDigestAsync(string repository, string tag, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("Docker-Content-Digest").Single();
    }

    /// <summary>The local base image the project's images build on where no registry is reachable (eng/image/base.sh, cached).</summary>
    public static async Task<string> LocalBaseImageAsync(CancellationToken ct)
    {
        var run = await ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "eng", "image", "base.sh")], TimeSpan.FromMinutes(10), ct);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/image/base.sh failed ({run.ExitCode}): {run.StandardError}");
        }

        return run.StandardOutput.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
