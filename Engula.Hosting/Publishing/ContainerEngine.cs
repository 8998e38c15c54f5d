using System.Text.RegularExpressions;

namespace Engula.Hosting.Publishing;

/// <summary>
/// The podman or docker command line, for the image steps: build, tag, and push with the pushed manifest's digest.
/// </summary>
/// <remarks>
/// Aspire 13.6 has a container runtime abstraction too, but it is experimental, pushes only a resource's own image to
/// the registry its annotations name, and reports no digest; a digest-pinned deploy needs the digest the registry
/// stored, which <c>podman push --digestfile</c> and <c>docker push</c>'s last line give.
/// </remarks>
internal sealed partial class ContainerEngine
{
    private ContainerEngine(string executable, bool isPodman)
    {
        Executable = executable;
        IsPodman = isPodman;
    }

    /// <summary>The command: a name on PATH or a path.</summary>
    public string Executable { get; }

    /// <summary>Podman (else Docker's command line, which podman-docker also speaks).</summary>
    public bool IsPodman { get; }

    /// <summary>The engine <paramref name="configured"/> names, else podman if it is on PATH, else docker; null when there is none.</summary>
    public static ContainerEngine? Find(string? configured)
    {
        if (configured is not null)
        {
            string? found = Path.IsPathRooted(configured) ? (File.Exists(configured) ? configured : null) : OnPath(configured);
            return found is null ? null : new ContainerEngine(found, Path.GetFileName(configured).StartsWith("podman", StringComparison.Ordinal));
        }

        return OnPath("podman") is { } podman ? new ContainerEngine(podman, isPodman: true)
            : OnPath("docker") is { } docker ? new ContainerEngine(docker, isPodman: false)
            : null;
    }

    /// <summary>Builds <paramref name="containerfile"/> in <paramref name="context"/> as <paramref name="tag"/>.</summary>
    public Task BuildAsync(string context, string containerfile, string tag, string? baseImage, Action<string> log, CancellationToken ct)
    {
        List<string> args = ["build", "-t", tag, "-f", containerfile];
        if (IsPodman)
        {
            // Reproducible: with every timestamp at the epoch the same binary makes the same image, hence the same
            // digest, so a deploy of unchanged code finds nothing to roll. (Docker's equivalent needs BuildKit exporter
            // options; there each build gets a new digest.)
            args.AddRange(["--timestamp", "0"]);
        }

        if (baseImage is not null)
        {
            args.AddRange(["--build-arg", "BASE=" + baseImage]);
        }

        args.Add(context);
        return ExternalCommand.RunAsync(Executable, args, log, ct);
    }

    /// <summary>Tags <paramref name="source"/> as <paramref name="target"/> and pushes it; returns the manifest digest the registry stored.</summary>
    public async Task<string> PushAsync(string source, string target, bool plainHttp, Action<string> log, CancellationToken ct)
    {
        await ExternalCommand.RunAsync(Executable, ["tag", source, target], log, ct).ConfigureAwait(false);
        if (IsPodman)
        {
            string digestFile = Path.Combine(Path.GetTempPath(), $"engula-push-{Guid.NewGuid():N}.digest");
            try
            {
                List<string> args = ["push", "--digestfile", digestFile];
                if (plainHttp)
                {
                    args.Add("--tls-verify=false");
                }

                args.Add(target);
                await ExternalCommand.RunAsync(Executable, args, log, ct).ConfigureAwait(false);
                string digest = (await File.ReadAllTextAsync(digestFile, ct).ConfigureAwait(false)).Trim();
                return DigestPattern().IsMatch(digest) ? digest : throw new EngulaPublishException($"{Executable} push wrote no digest for {target} ('{digest}')");
            }
            finally
            {
                File.Delete(digestFile);
            }
        }

        // docker push ends with "<tag>: digest: sha256:… size: …"; a loopback registry is plain HTTP to Docker by default.
        string output = await ExternalCommand.RunAsync(Executable, ["push", target], log, ct).ConfigureAwait(false);
        return PushedDigest().Match(output) is { Success: true } match
            ? match.Groups[1].Value
            : throw new EngulaPublishException($"{Executable} push named no digest for {target}");
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex("^sha256:[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})", RegexOptions.CultureInvariant)]
    private static partial Regex PushedDigest();
}
