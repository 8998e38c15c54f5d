using System.Globalization;
using k8s;
using k8s.Models;

namespace Engula.Kubernetes.Tests;

/// <summary>
/// How the data volume becomes writable for the non-root user: the default (the pod's fsGroup) adds nothing, the
/// opt-in init container has exactly the privileges it needs, and its script really makes a root-owned
/// hostPath-style directory writable for uid 10001 with CAP_CHOWN alone, once.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataVolumePermissionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-data-permissions-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static V1PodSpec Pod(ComponentObjects component) => component.StatefulSet.Spec.Template.Spec;

    [Fact]
    public void By_default_no_pod_has_an_init_container_and_the_pod_relies_on_fsGroup()
    {
        var objects = EngulaObjects.Build(Samples.ClusterSample());

        foreach (var component in objects.Components)
        {
            var pod = Pod(component);
            Assert.Null(pod.InitContainers);
            Assert.Equal(DataVolumePermissions.FsGroup, Samples.Component(component.Kind).DataVolumePermissions);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Equal((10001L, 10001L, 10001L), (pod.SecurityContext.RunAsUser!.Value, pod.SecurityContext.RunAsGroup!.Value, pod.SecurityContext.FsGroup!.Value));
            Assert.Equal("OnRootMismatch", pod.SecurityContext.FsGroupChangePolicy);
            Assert.Equal(["engula"], pod.Containers.Select(c => c.Name));
        }
    }

    [Fact]
    public void InitContainer_adds_a_root_container_with_only_CAP_CHOWN_and_the_data_volume_to_journal_storage_and_kernel()
    {
        var objects = EngulaObjects.Build(Samples.InitContainer());

        foreach (var component in objects.Components)
        {
            var pod = Pod(component);
            if (component.Kind == EngulaComponentKind.Engine)
            {
                Assert.Null(pod.InitContainers);
                continue;
            }

            var init = Assert.Single(pod.InitContainers);
            var main = Assert.Single(pod.Containers);
            Assert.Equal("data-permissions", init.Name);
            Assert.Equal((main.Image, main.ImagePullPolicy), (init.Image, init.ImagePullPolicy));
            Assert.Equal(["/bin/sh", "-c"], init.Command.Take(2));
            Assert.Equal(["data-permissions", "10001", "/data"], init.Command.Skip(3));
            Assert.Null(init.Args);

            // Root, only CHOWN, nothing else that a pod security policy would object to.
            var security = init.SecurityContext;
            Assert.Equal(0L, security.RunAsUser);
            Assert.Equal(0L, security.RunAsGroup);
            Assert.False(security.RunAsNonRoot);
            Assert.False(security.AllowPrivilegeEscalation);
            Assert.True(security.ReadOnlyRootFilesystem);
            Assert.Null(security.Privileged);
            Assert.Equal(["ALL"], security.Capabilities.Drop);
            Assert.Equal(["CHOWN"], security.Capabilities.Add);

            // Only the data volume; the resources of the main container, so the pod's request does not grow.
            var mount = Assert.Single(init.VolumeMounts);
            Assert.Equal(("data", "/data", (bool?)null), (mount.Name, mount.MountPath, mount.ReadOnlyProperty));
            Assert.Equal(KubernetesJson.Serialize(main.Resources), KubernetesJson.Serialize(init.Resources));
            Assert.Null(init.Env);
            Assert.Null(init.Ports);
        }
    }

    [Fact]
    public void The_main_container_and_the_pod_security_context_are_the_same_with_and_without_the_init_container()
    {
        var plain = EngulaObjects.Build(Samples.ClusterSample() with { Name = "init-sample" });
        var opted = EngulaObjects.Build(Samples.InitContainer());

        for (int i = 0; i < plain.Components.Count; i++)
        {
            var a = Pod(plain.Components[i]);
            var b = Pod(opted.Components[i]);
            Assert.Equal(KubernetesJson.Serialize(a.Containers), KubernetesJson.Serialize(b.Containers));
            Assert.Equal(KubernetesJson.Serialize(a.SecurityContext), KubernetesJson.Serialize(b.SecurityContext));
            Assert.Equal(KubernetesJson.Serialize(a.Volumes), KubernetesJson.Serialize(b.Volumes));
            Assert.Equal(
                KubernetesJson.Serialize(a with { InitContainers = null }),
                KubernetesJson.Serialize(b with { InitContainers = null }));
        }
    }

    [Fact]
    public void The_setting_is_per_component()
    {
        var cluster = Samples.ClusterSample() with
        {
            Components = [.. Samples.AllFour().Select(c => c.Kind == EngulaComponentKind.Storage ? c with { DataVolumePermissions = DataVolumePermissions.InitContainer } : c)],
        };

        var objects = EngulaObjects.Build(cluster);

        Assert.Equal(
            [EngulaComponentKind.Storage],
            objects.Components.Where(c => Pod(c).InitContainers is { Count: > 0 }).Select(c => c.Kind));
        Assert.NotNull(Pod(EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Storage)).InitContainers);
    }

    /// <summary>
    /// The init container's own command, run here as it runs in the pod: uid 0 with every capability dropped except
    /// those its security context adds (setpriv, no_new_privs), on a directory like the host-path provisioner's
    /// (root-owned 0750) holding files an earlier root process wrote.
    /// </summary>
    [Fact]
    public async Task The_init_script_with_only_CAP_CHOWN_makes_a_root_owned_0750_volume_writable_for_uid_10001_and_then_changes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        RequireRootAndSetpriv();
        var init = Pod(EngulaObjects.BuildComponent(Samples.InitContainer(), EngulaComponentKind.Journal)).InitContainers![0];
        string data = HostPathLikeVolume();

        // Before: uid 10001 cannot create its streams directory ("Access to the path '/data/streams' is denied").
        Assert.NotEqual(0, (await AsUser10001Async(ct, "mkdir", Path.Combine(data, "streams2"))).ExitCode);

        var first = await RunInitAsync(init, data, Capabilities(init), ct);
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Contains($"{data} is 0:0 750: changing it to 10001:10001 0770", first.StandardOutput, StringComparison.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Prepend(data))
        {
            Assert.Equal("10001:10001", await StatAsync("%u:%g", path, ct));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(data));

        // After: the non-root user creates directories and replaces the files the root process left.
        Assert.Equal(0, (await AsUser10001Async(ct, "mkdir", Path.Combine(data, "streams2"))).ExitCode);
        Assert.Equal(0, (await AsUser10001Async(ct, "cp", Path.Combine(data, "manifest"), Path.Combine(data, "streams", "0.log"))).ExitCode);

        // A restart: one stat, no write (the directory's change time stays), and it says so.
        string changed = await StatAsync("%z", data, ct);
        var second = await RunInitAsync(init, data, Capabilities(init), ct);
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.Contains("owned by 10001:10001 and writable: nothing to change", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(changed, await StatAsync("%z", data, ct));
    }

    [Fact]
    public async Task Without_CAP_CHOWN_the_init_script_fails_so_the_capability_it_adds_is_needed()
    {
        var ct = TestContext.Current.CancellationToken;
        RequireRootAndSetpriv();
        var init = Pod(EngulaObjects.BuildComponent(Samples.InitContainer(), EngulaComponentKind.Kernel)).InitContainers![0];
        string data = HostPathLikeVolume();

        var run = await RunInitAsync(init, data, "-all", ct);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Operation not permitted", run.StandardError, StringComparison.Ordinal);
        Assert.Equal("0:0", await StatAsync("%u:%g", data, ct));
    }

    [Fact]
    public async Task A_volume_the_kubelet_already_gave_to_the_fsGroup_is_taken_over_with_CAP_CHOWN_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        RequireRootAndSetpriv();
        var init = Pod(EngulaObjects.BuildComponent(Samples.InitContainer(), EngulaComponentKind.Storage)).InitContainers![0];

        // What fsGroup leaves: root:10001 with the set-group-ID bit; the server's own files belong to 10001 (0755/0644).
        string data = HostPathLikeVolume();
        await RunAsync(ct, "chown", "-R", "10001:10001", Path.Combine(data, "streams"));
        await RunAsync(ct, "chown", "0:10001", data);
        File.SetUnixFileMode(data, (UnixFileMode)Convert.ToInt32("2775", 8));

        var run = await RunInitAsync(init, data, Capabilities(init), ct);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Equal("10001:10001", await StatAsync("%u:%g", data, ct));
        Assert.Equal("10001:10001", await StatAsync("%u:%g", Path.Combine(data, "manifest"), ct));
    }

    private static void RequireRootAndSetpriv()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || !File.Exists("/usr/bin/setpriv"))
        {
            Assert.Skip("runs the init container's script as uid 0 with chosen capabilities: needs root and setpriv (util-linux)");
        }
    }

    /// <summary>A root-owned 0750 directory with a root-written directory and files, in a parent uid 10001 may enter.</summary>
    private string HostPathLikeVolume()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)Convert.ToInt32("755", 8));
        string data = Path.Combine(_dir, "pvc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(data, "streams"));
        File.WriteAllText(Path.Combine(data, "streams", "0.log"), "written by root");
        File.WriteAllText(Path.Combine(data, "manifest"), "written by root");
        File.SetUnixFileMode(data, (UnixFileMode)Convert.ToInt32("750", 8));
        File.SetUnixFileMode(Path.Combine(data, "streams"), (UnixFileMode)Convert.ToInt32("755", 8));
        return data;
    }

    /// <summary>setpriv's capability list from the container's: <c>-all,+chown</c>.</summary>
    private static string Capabilities(V1Container container)
    {
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        return string.Concat(container.SecurityContext.Capabilities.Add.Select(c => ",+" + c.ToLowerInvariant()).Prepend("-all"));
    }

    /// <summary>The container's command with its mount path replaced by <paramref name="data"/>, as uid/gid 0 with exactly <paramref name="caps"/>.</summary>
    private static Task<ProcessRunner.Result> RunInitAsync(V1Container init, string data, string caps, CancellationToken ct)
    {
        Assert.Equal(EngulaObjects.DataMountPath, init.Command[^1]);
        Assert.Equal(0L, init.SecurityContext.RunAsUser);
        return ProcessRunner.RunAsync(
            "setpriv",
            ["--reuid=0", "--regid=0", "--clear-groups", $"--inh-caps={caps}", $"--bounding-set={caps}", "--no-new-privs", "--", .. init.Command.SkipLast(1), data],
            TimeSpan.FromSeconds(30), ct);
    }

    private static Task<ProcessRunner.Result> AsUser10001Async(CancellationToken ct, params string[] command) =>
        ProcessRunner.RunAsync("setpriv", ["--reuid=10001", "--regid=10001", "--clear-groups", "--", .. command], TimeSpan.FromSeconds(30), ct);

    private static async Task RunAsync(CancellationToken ct, params string[] command)
    {
        var run = await ProcessRunner.RunAsync(command[0], command[1..], TimeSpan.FromSeconds(30), ct);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', command)}: {run.StandardError}");
    }

    private static async Task<string> StatAsync(string format, string path, CancellationToken ct)
    {
        var run = await ProcessRunner.RunAsync("stat", ["-c", format, path], TimeSpan.FromSeconds(30), ct);
        Assert.True(run.ExitCode == 0, run.StandardError);
        return run.StandardOutput.Trim();
    }
}
