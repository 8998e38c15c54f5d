namespace Engula.Kubernetes;

/// <summary>
/// Validation of <see cref="EngulaPodSettings"/>, with errors naming the field. What the API server would refuse only
/// once the StatefulSet is applied (a toleration with a value and <c>Exists</c>, a spread constraint without a
/// topology key) is refused here, before anything is written. Affinity is passed through: its structure is the API
/// server's to check, and the builders have nothing to add to it.
/// </summary>
internal static class PodSettingsCheck
{
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    private static readonly string[] WhenUnsatisfiable = ["DoNotSchedule", "ScheduleAnyway"];

    // The API server's limit on the total size of an object's annotations.
    private const int MaxAnnotationBytes = 256 * 1024;

    public static void Validate(string field, EngulaPodSettings pod, IReadOnlyDictionary<string, string>? componentLabels, ISet<string> reservedLabels)
    {
        foreach (var (key, value) in pod.NodeSelector ?? new Dictionary<string, string>())
        {
            Check.LabelKey($"{field}.NodeSelector", key);
            Check.LabelValue($"{field}.NodeSelector", value);
        }

        for (int i = 0; i < (pod.Tolerations?.Count ?? 0); i++)
        {
            Toleration($"{field}.Tolerations[{Check.Invariant(i)}]", pod.Tolerations![i]);
        }

        for (int i = 0; i < (pod.TopologySpreadConstraints?.Count ?? 0); i++)
        {
            SpreadConstraint($"{field}.TopologySpreadConstraints[{Check.Invariant(i)}]", pod.TopologySpreadConstraints![i]);
        }

        if (pod.PriorityClassName is not null)
        {
            Check.Dns1123SubdomainName($"{field}.PriorityClassName", pod.PriorityClassName, "PriorityClass name");
        }

        foreach (var (key, value) in pod.Labels ?? new Dictionary<string, string>())
        {
            Check.LabelKey($"{field}.Labels", key);
            Check.LabelValue($"{field}.Labels", value);
            if (reservedLabels.Contains(key))
            {
                throw Check.Error($"{field}.Labels", $"'{key}' is set by the builders and cannot be overridden");
            }

            if (componentLabels?.ContainsKey(key) == true)
            {
                throw Check.Error($"{field}.Labels", $"'{key}' is also one of the component's labels (which reach the pods too): set it in one place");
            }
        }

        long annotationBytes = 0;
        foreach (var (key, value) in pod.Annotations ?? new Dictionary<string, string>())
        {
            // Annotation keys follow the label key rules; values are free text.
            Check.LabelKey($"{field}.Annotations", key);
            if (value is null)
            {
                throw Check.Error($"{field}.Annotations", $"the value of '{key}' must not be null");
            }

            annotationBytes += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }

        if (annotationBytes > MaxAnnotationBytes)
        {
            throw Check.Error($"{field}.Annotations", $"{Check.Invariant((int)annotationBytes)} bytes in all; annotations may hold at most {Check.Invariant(MaxAnnotationBytes)}");
        }
    }

    private static void Toleration(string field, V1Toleration toleration)
    {
        if (toleration is null)
        {
            throw Check.Error(field, "a toleration must not be null");
        }

        string op = toleration.OperatorProperty ?? "Equal";
        if (op is not ("Equal" or "Exists"))
        {
            throw Check.Error($"{field}.Operator", $"'{op}' is not a toleration operator: use Equal or Exists");
        }

        if (string.IsNullOrEmpty(toleration.Key))
        {
            // An empty key with Exists tolerates every taint; with Equal it would match nothing.
            if (op != "Exists")
            {
                throw Check.Error($"{field}.Key", "an empty key matches every taint only with the operator Exists");
            }
        }
        else
        {
            Check.LabelKey($"{field}.Key", toleration.Key);
        }

        if (op == "Exists" && !string.IsNullOrEmpty(toleration.Value))
        {
            throw Check.Error($"{field}.Value", "the operator Exists takes no value");
        }

        if (op == "Equal" && toleration.Value is { Length: > 0 } value)
        {
            Check.LabelValue($"{field}.Value", value);
        }

        if (!string.IsNullOrEmpty(toleration.Effect) && !Effects.Contains(toleration.Effect, StringComparer.Ordinal))
        {
            throw Check.Error($"{field}.Effect", $"'{toleration.Effect}' is not a taint effect: use {string.Join(", ", Effects)}, or none for all");
        }

        if (toleration.TolerationSeconds is not null && toleration.Effect != "NoExecute")
        {
            throw Check.Error($"{field}.TolerationSeconds", "only a NoExecute toleration has a time limit");
        }
    }

    private static void SpreadConstraint(string field, V1TopologySpreadConstraint constraint)
    {
        if (constraint is null)
        {
            throw Check.Error(field, "a topology spread constraint must not be null");
        }

        if (constraint.MaxSkew < 1)
        {
            throw Check.Error($"{field}.MaxSkew", $"{Check.Invariant(constraint.MaxSkew)} must be at least 1");
        }

        if (string.IsNullOrEmpty(constraint.TopologyKey))
        {
            throw Check.Error($"{field}.TopologyKey", "a topology key is required (e.g. 'topology.kubernetes.io/zone')");
        }

        Check.LabelKey($"{field}.TopologyKey", constraint.TopologyKey);
        if (!WhenUnsatisfiable.Contains(constraint.WhenUnsatisfiable, StringComparer.Ordinal))
        {
            throw Check.Error($"{field}.WhenUnsatisfiable", $"'{constraint.WhenUnsatisfiable}' is not allowed: use DoNotSchedule or ScheduleAnyway");
        }
    }
}
