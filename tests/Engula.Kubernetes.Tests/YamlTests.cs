using k8s;
using k8s.Models;

namespace Engula.Kubernetes.Tests;

/// <summary>The YAML writer: multi-document, newline-terminated, byte-stable, and readable back.</summary>
public sealed class YamlTests
{
    [Fact]
    public void Component_yaml_is_four_documents_ending_with_a_newline_and_reads_back_equal()
    {
        var kernel = EngulaObjects.BuildComponent(Samples.ClusterSample(), EngulaComponentKind.Kernel);
        string yaml = EngulaYaml.Write(kernel);

        Assert.EndsWith("\n", yaml, StringComparison.Ordinal);
        Assert.False(yaml.EndsWith("\n\n", StringComparison.Ordinal));
        Assert.DoesNotContain("\r", yaml, StringComparison.Ordinal);
        Assert.Equal(3, yaml.Split('\n').Count(l => l == "---"));
        Assert.StartsWith("apiVersion: v1\nkind: Service\n", yaml, StringComparison.Ordinal);

        var read = KubernetesYaml.LoadAllFromString(yaml);
        Assert.Equal(["Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy"], read.Select(o => ((IKubernetesObject)o).Kind));
        var sts = Assert.IsType<V1StatefulSet>(read[1]);
        Assert.Equal(kernel.StatefulSet.Spec.Template.Spec.Containers[0].Command, sts.Spec.Template.Spec.Containers[0].Command);
        Assert.Equal(yaml, EngulaYaml.Write(read.Cast<IKubernetesObject>()));
    }

    [Fact]
    public void Equal_descriptions_give_byte_identical_yaml_whatever_the_input_order()
    {
        var first = Samples.CustomPorts();
        var second = Samples.CustomPorts() with
        {
            // Same components in reverse order, dictionaries filled in another order.
            Components = [.. Samples.CustomPorts().Components.Reverse().Select(c => c with
            {
                Env = c.Env?.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value),
                Labels = c.Labels?.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value),
            })],
        };

        string a = EngulaYaml.Write(EngulaObjects.Build(first).All);
        string b = EngulaYaml.Write(EngulaObjects.Build(second).All);
        Assert.Equal(a, b);
        Assert.Equal(a, EngulaYaml.Write(EngulaObjects.Build(first).All));
        Assert.Contains("- name: A_FIRST", a, StringComparison.Ordinal);
        Assert.True(a.IndexOf("A_FIRST", StringComparison.Ordinal) < a.IndexOf("Z_LAST", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_carries_the_int_or_string_fields_with_their_types()
    {
        var journal = EngulaObjects.BuildComponent(Samples.ClusterSample(), EngulaComponentKind.Journal);
        string pdb = EngulaYaml.Write([journal.PodDisruptionBudget]);
        string service = EngulaYaml.Write([journal.Service]);

        // maxUnavailable must be the integer 0, not the string "0" (which the API server rejects as a bad percentage).
        Assert.Contains("maxUnavailable: 0\n", pdb, StringComparison.Ordinal);
        Assert.Contains("targetPort: grpc\n", service, StringComparison.Ordinal);
        Assert.Contains("clusterIP: None\n", service, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantities_are_strings_even_when_they_look_like_numbers()
    {
        // kubectl sends what the YAML says; a quantity written as the integer 1 is refused by 1.20's server-side apply
        // ("expected string, got 1"), so every quantity is a string, quoted when it would read as a number.
        var cluster = Samples.ClusterSample() with
        {
            Components = [.. Samples.AllFour().Select(c => c.Kind != EngulaComponentKind.Journal ? c : c with
            {
                StorageSize = "10",
                Resources = new k8s.Models.V1ResourceRequirements
                {
                    Requests = new Dictionary<string, k8s.Models.ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("268435456") },
                    Limits = new Dictionary<string, k8s.Models.ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("1Gi") },
                },
            })],
        };

        string defaults = EngulaYaml.Write([EngulaObjects.BuildComponent(Samples.ClusterSample(), EngulaComponentKind.Storage).StatefulSet]);
        string custom = EngulaYaml.Write([EngulaObjects.BuildComponent(cluster, EngulaComponentKind.Journal).StatefulSet]);

        Assert.Contains("            cpu: \"1\"\n            memory: 1Gi\n", defaults, StringComparison.Ordinal);
        Assert.Contains("            cpu: 100m\n", defaults, StringComparison.Ordinal);
        Assert.Contains("            cpu: \"2\"\n", custom, StringComparison.Ordinal);
        Assert.True(custom.Contains("          requests:\n            cpu: \"1\"\n            memory: \"268435456\"\n", StringComparison.Ordinal), custom);
        Assert.Contains(" storage: \"10\"\n", custom, StringComparison.Ordinal);
        // Integers stay integers, strings that look like numbers stay strings.
        Assert.Contains("  replicas: 1\n", defaults, StringComparison.Ordinal);
        Assert.Contains("          value: \"24570\"\n", defaults, StringComparison.Ordinal);
        Assert.Contains("        runAsUser: 10001\n", defaults, StringComparison.Ordinal);
    }
}
