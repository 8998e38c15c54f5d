using System.Text;
using k8s;

namespace Engula.Kubernetes;

/// <summary>Writes objects as a multi-document YAML string, byte-stable for equal input.</summary>
public static class EngulaYaml
{
    /// <summary>
    /// The objects as YAML documents separated by <c>---</c>, in the given order, ending with a newline (LF only).
    /// <c>KubernetesYaml.Serialize</c> orders fields alphabetically and dictionaries in insertion order; the
    /// builders insert labels and resources in ordinal key order, so equal descriptions give identical bytes.
    /// </summary>
    public static string Write(IEnumerable<IKubernetesObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var yaml = new StringBuilder();
        foreach (var obj in objects)
        {
            if (yaml.Length > 0)
            {
                yaml.Append("---\n");
            }

            // Serialize's output has no trailing newline; normalise line endings in case a value contained CR LF.
            yaml.Append(KubernetesYaml.Serialize(obj).Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        }

        return yaml.ToString();
    }

    /// <summary>One component's objects (Service, StatefulSet, PodDisruptionBudget, NetworkPolicy) as one YAML file's content.</summary>
    public static string Write(ComponentObjects component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return Write(component.All);
    }
}
