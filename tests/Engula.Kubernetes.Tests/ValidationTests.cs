namespace Engula.Kubernetes.Tests;

/// <summary>Bad descriptions fail with an <see cref="ArgumentException"/> that names the field at fault.</summary>
public sealed class ValidationTests
{
    private static EngulaCluster WithComponent(EngulaComponentKind kind, Func<EngulaComponent, EngulaComponent> change) =>
        Samples.ClusterSample() with { Components = [.. Samples.AllFour().Select(c => c.Kind == kind ? change(c) : c)] };

    private static EngulaCluster WithPod(EngulaComponentKind kind, EngulaPodSettings pod) => WithComponent(kind, c => c with { Pod = pod });

    public static TheoryData<string, string, string> Invalid() => new()
    {
        // case, expected field, a fragment of the message
        { "cluster name with upper case", "cluster.Name", "RFC 1035" },
        { "cluster name starting with a digit", "cluster.Name", "RFC 1035" },
        { "namespace with underscore", "cluster.Namespace", "not a valid namespace" },
        { "component name too long", "cluster.Components[0].Name", "at most 52" },
        { "derived name too long", "cluster.Components[0].Name", "shorten the cluster name" },
        { "component name with a dot", "cluster.Components[1].Name", "RFC 1035" },
        { "empty image", "cluster.Components[2].Image", "an image is required" },
        { "image with upper-case repository", "cluster.Components[2].Image", "not a valid image reference" },
        { "image with a space", "cluster.Components[2].Image", "not a valid image reference" },
        { "image with two tags", "cluster.Components[2].Image", "not a valid image reference" },
        { "image with a short digest", "cluster.Components[2].Image", "not a valid image reference" },
        { "pull policy", "cluster.Components[0].ImagePullPolicy", "Always, IfNotPresent or Never" },
        { "negative replicas", "cluster.Components[0].Replicas", "must not be negative" },
        { "port zero", "cluster.Components[1].Port", "not a port number" },
        { "port too large", "cluster.Components[1].Port", "not a port number" },
        { "admin port equals port", "cluster.Components[0].AdminPort", "must differ" },
        { "default admin port out of range", "cluster.Components[0].AdminPort", "set AdminPort" },
        { "engine admin port", "cluster.Components[3].AdminPort", "no admin port" },
        { "engine volume", "cluster.Components[3].StorageSize", "no volume" },
        { "engine init container", "cluster.Components[3].DataVolumePermissions", "no volume to change" },
        { "undefined data volume permissions", "cluster.Components[0].DataVolumePermissions", "FsGroup or InitContainer" },
        { "target version too old", "cluster.TargetVersion", "older than the oldest version the objects support (1.20)" },
        { "storage size not a quantity", "cluster.Components[1].StorageSize", "not a Kubernetes quantity" },
        { "storage size zero", "cluster.Components[1].StorageSize", "greater than zero" },
        { "storage class", "cluster.Components[1].StorageClassName", "StorageClass" },
        { "access mode", "cluster.Components[1].StorageAccessModes", "not an access mode" },
        { "reserved env", "cluster.Components[2].Env", "cannot be overridden" },
        { "invalid env name", "cluster.Components[2].Env", "not a valid environment variable name" },
        { "reserved label", "cluster.Components[0].Labels", "cannot be overridden" },
        { "invalid label value", "cluster.Components[0].Labels", "label value" },
        { "request above limit", "cluster.Components[0].Resources", "exceeds its limit" },
        { "node selector value", "cluster.Components[2].Pod.NodeSelector", "label value" },
        { "toleration operator", "cluster.Components[2].Pod.Tolerations[0].Operator", "Equal or Exists" },
        { "toleration Exists with a value", "cluster.Components[2].Pod.Tolerations[1].Value", "takes no value" },
        { "toleration without key and Equal", "cluster.Components[2].Pod.Tolerations[0].Key", "only with the operator Exists" },
        { "toleration effect", "cluster.Components[2].Pod.Tolerations[0].Effect", "not a taint effect" },
        { "toleration seconds without NoExecute", "cluster.Components[2].Pod.Tolerations[0].TolerationSeconds", "only a NoExecute" },
        { "spread max skew", "cluster.Components[0].Pod.TopologySpreadConstraints[0].MaxSkew", "at least 1" },
        { "spread without topology key", "cluster.Components[0].Pod.TopologySpreadConstraints[0].TopologyKey", "topology key is required" },
        { "spread when unsatisfiable", "cluster.Components[0].Pod.TopologySpreadConstraints[0].WhenUnsatisfiable", "DoNotSchedule or ScheduleAnyway" },
        { "priority class name", "cluster.Components[3].Pod.PriorityClassName", "PriorityClass name" },
        { "reserved pod label", "cluster.Components[3].Pod.Labels", "cannot be overridden" },
        { "pod label also a component label", "cluster.Components[3].Pod.Labels", "set it in one place" },
        { "pod annotation key", "cluster.Components[3].Pod.Annotations", "invalid prefix" },
        { "owner without uid", "cluster.Components[0].Owner", "uid" },
        { "two journals", "cluster.Components[4].Kind", "at most one journal" },
        { "same name twice", "cluster.Components[1].Name", "already the name of cluster.Components[0]" },
        { "kernel without journal", "cluster.Components", "needs a journal" },
        { "engine without kernel", "cluster.Components", "needs a kernel" },
        { "no components", "cluster.Components", "at least one component" },
    };

    private static EngulaCluster Case(string name) => name switch
    {
        "cluster name with upper case" => Samples.ClusterSample() with { Name = "Cluster" },
        "cluster name starting with a digit" => Samples.ClusterSample() with { Name = "1cluster" },
        "namespace with underscore" => Samples.ClusterSample("my_ns"),
        "component name too long" => WithComponent(EngulaComponentKind.Journal, c => c with { Name = "j" + new string('x', 52) }),
        "derived name too long" => Samples.ClusterSample() with { Name = "c" + new string('x', 44) },
        "component name with a dot" => WithComponent(EngulaComponentKind.Storage, c => c with { Name = "my.storage" }),
        "empty image" => WithComponent(EngulaComponentKind.Kernel, c => c with { Image = "" }),
        "image with upper-case repository" => WithComponent(EngulaComponentKind.Kernel, c => c with { Image = "ghcr.io/Engula/engula:1" }),
        "image with a space" => WithComponent(EngulaComponentKind.Kernel, c => c with { Image = "engula :1" }),
        "image with two tags" => WithComponent(EngulaComponentKind.Kernel, c => c with { Image = "engula:1:2" }),
        "image with a short digest" => WithComponent(EngulaComponentKind.Kernel, c => c with { Image = "engula@sha256:abc" }),
        "pull policy" => WithComponent(EngulaComponentKind.Journal, c => c with { ImagePullPolicy = "Sometimes" }),
        "negative replicas" => WithComponent(EngulaComponentKind.Journal, c => c with { Replicas = -1 }),
        "port zero" => WithComponent(EngulaComponentKind.Storage, c => c with { Port = 0 }),
        "port too large" => WithComponent(EngulaComponentKind.Storage, c => c with { Port = 70000 }),
        "admin port equals port" => WithComponent(EngulaComponentKind.Journal, c => c with { Port = 9000, AdminPort = 9000 }),
        "default admin port out of range" => WithComponent(EngulaComponentKind.Journal, c => c with { Port = 65000 }),
        "engine admin port" => WithComponent(EngulaComponentKind.Engine, c => c with { AdminPort = 25568 }),
        "engine volume" => WithComponent(EngulaComponentKind.Engine, c => c with { StorageSize = "1Gi" }),
        "engine init container" => WithComponent(EngulaComponentKind.Engine, c => c with { DataVolumePermissions = DataVolumePermissions.InitContainer }),
        "undefined data volume permissions" => WithComponent(EngulaComponentKind.Journal, c => c with { DataVolumePermissions = (DataVolumePermissions)7 }),
        "target version too old" => Samples.ClusterSample() with { TargetVersion = new KubernetesVersion(1, 19) },
        "storage size not a quantity" => WithComponent(EngulaComponentKind.Storage, c => c with { StorageSize = "1 GB" }),
        "storage size zero" => WithComponent(EngulaComponentKind.Storage, c => c with { StorageSize = "0" }),
        "storage class" => WithComponent(EngulaComponentKind.Storage, c => c with { StorageClassName = "Fast_SSD" }),
        "access mode" => WithComponent(EngulaComponentKind.Storage, c => c with { StorageAccessModes = ["ReadWriteSometimes"] }),
        "reserved env" => WithComponent(EngulaComponentKind.Kernel, c => c with { Env = new Dictionary<string, string> { ["ENGULA_JOURNAL"] = "x:1" } }),
        "invalid env name" => WithComponent(EngulaComponentKind.Kernel, c => c with { Env = new Dictionary<string, string> { ["1BAD"] = "x" } }),
        "reserved label" => WithComponent(EngulaComponentKind.Journal, c => c with { Labels = new Dictionary<string, string> { ["app.kubernetes.io/instance"] = "x" } }),
        "invalid label value" => WithComponent(EngulaComponentKind.Journal, c => c with { Labels = new Dictionary<string, string> { ["team"] = "a b" } }),
        "request above limit" => WithComponent(EngulaComponentKind.Journal, c => c with
        {
            Resources = new k8s.Models.V1ResourceRequirements
            {
                Requests = new Dictionary<string, k8s.Models.ResourceQuantity> { ["memory"] = new("2Gi") },
                Limits = new Dictionary<string, k8s.Models.ResourceQuantity> { ["memory"] = new("1Gi") },
            },
        }),
        "node selector value" => WithPod(EngulaComponentKind.Kernel, new() { NodeSelector = new Dictionary<string, string> { ["disk"] = "fast ssd" } }),
        "toleration operator" => WithPod(EngulaComponentKind.Kernel, new() { Tolerations = [new() { Key = "k", OperatorProperty = "In" }] }),
        "toleration Exists with a value" => WithPod(EngulaComponentKind.Kernel, new() { Tolerations = [new() { OperatorProperty = "Exists" }, new() { Key = "k", OperatorProperty = "Exists", Value = "v" }] }),
        "toleration without key and Equal" => WithPod(EngulaComponentKind.Kernel, new() { Tolerations = [new() { Value = "v" }] }),
        "toleration effect" => WithPod(EngulaComponentKind.Kernel, new() { Tolerations = [new() { Key = "k", Effect = "NoRun" }] }),
        "toleration seconds without NoExecute" => WithPod(EngulaComponentKind.Kernel, new() { Tolerations = [new() { Key = "k", Effect = "NoSchedule", TolerationSeconds = 30 }] }),
        "spread max skew" => WithPod(EngulaComponentKind.Journal, new() { TopologySpreadConstraints = [new() { MaxSkew = 0, TopologyKey = "zone", WhenUnsatisfiable = "DoNotSchedule" }] }),
        "spread without topology key" => WithPod(EngulaComponentKind.Journal, new() { TopologySpreadConstraints = [new() { MaxSkew = 1, WhenUnsatisfiable = "DoNotSchedule" }] }),
        "spread when unsatisfiable" => WithPod(EngulaComponentKind.Journal, new() { TopologySpreadConstraints = [new() { MaxSkew = 1, TopologyKey = "zone", WhenUnsatisfiable = "Maybe" }] }),
        "priority class name" => WithPod(EngulaComponentKind.Engine, new() { PriorityClassName = "High_Priority" }),
        "reserved pod label" => WithPod(EngulaComponentKind.Engine, new() { Labels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "x" } }),
        "pod label also a component label" => WithComponent(EngulaComponentKind.Engine, c => c with
        {
            Labels = new Dictionary<string, string> { ["team"] = "a" },
            Pod = new() { Labels = new Dictionary<string, string> { ["team"] = "b" } },
        }),
        "pod annotation key" => WithPod(EngulaComponentKind.Engine, new() { Annotations = new Dictionary<string, string> { ["Example.com/x"] = "y" } }),
        "owner without uid" => WithComponent(EngulaComponentKind.Journal, c => c with { Owner = new k8s.Models.V1OwnerReference { ApiVersion = "v1", Kind = "X", Name = "x" } }),
        "two journals" => Samples.ClusterSample() with { Components = [.. Samples.AllFour(), Samples.Component(EngulaComponentKind.Journal) with { Name = "journal-two" }] },
        "same name twice" => WithComponent(EngulaComponentKind.Storage, c => c with { Name = "cluster-sample-journal" }),
        "kernel without journal" => Samples.ClusterSample() with { Components = [.. Samples.AllFour().Where(c => c.Kind != EngulaComponentKind.Journal)] },
        "engine without kernel" => Samples.ClusterSample() with { Components = [.. Samples.AllFour().Where(c => c.Kind == EngulaComponentKind.Engine)] },
        "no components" => Samples.ClusterSample() with { Components = [] },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown case"),
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_description_is_rejected_with_the_field_named(string @case, string field, string fragment)
    {
        var cluster = Case(@case);

        var error = Assert.ThrowsAny<ArgumentException>(() => EngulaObjects.Build(cluster));
        Assert.Equal(field, error.ParamName);
        Assert.StartsWith(field + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("engula")]
    [InlineData("engula:0.2.0")]
    [InlineData("ghcr.io/engula/engula:0.2.0")]
    [InlineData("localhost:5000/engula")]
    [InlineData("registry.example.com:443/team/sub/engula_server-x:v0.2.0-rc.1")]
    [InlineData("engula@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("docker.io/library/engula:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Valid_image_references_are_accepted(string image)
    {
        var cluster = WithComponent(EngulaComponentKind.Kernel, c => c with { Image = image });
        var kernel = EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Kernel);
        Assert.Equal(image, kernel.StatefulSet.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public void BuildComponent_of_a_kind_the_cluster_lacks_names_the_kind()
    {
        var cluster = Samples.ClusterSample() with { Components = [Samples.Component(EngulaComponentKind.Journal)] };
        var error = Assert.ThrowsAny<ArgumentException>(() => EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Storage));
        Assert.Equal("kind", error.ParamName);
        Assert.Contains("no storage component", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_of_only_a_journal_is_valid()
    {
        var cluster = Samples.Bare() with { Components = [Samples.Component(EngulaComponentKind.Journal)] };
        var objects = EngulaObjects.Build(cluster);
        var env = Assert.Single(objects.Components).StatefulSet.Spec.Template.Spec.Containers[0].Env;
        Assert.Equal(["POD_NAME", "journalport"], env.Select(e => e.Name));
    }
}
