using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Engula.Operator.Manifests;

/// <summary>
/// The Helm chart <c>deploy/helm/engula-operator</c>, generated from the objects of <see cref="InstallManifests"/> so
/// that the chart and install.yaml cannot drift. Each template is one of install.yaml's objects, serialized as
/// install.yaml serializes it, after placeholders were put into its JSON where <see cref="ValueTable"/> (the one
/// place that decides what a value is) and the namespace and label rules say; the placeholders are then replaced by
/// template text. The CRDs go to <c>crds/</c> as they are.
/// </summary>
internal static partial class HelmChart
{
    public const string Name = InstallManifests.Name;

    /// <summary>The named templates of <c>_helpers.tpl</c>.</summary>
    private const string LabelsTemplate = Name + ".labels";
    private const string SelectorLabelsTemplate = Name + ".selectorLabels";

    /// <summary>File (relative to the chart's directory, '/'-separated) → content, in the order they are written.</summary>
    public static IReadOnlyList<(string File, string Content)> Files()
    {
        var operatorObjects = InstallManifests.Operator();
        // Not the Namespace: a release goes into the namespace it is installed in (helm --namespace, --create-namespace).
        var serviceAccount = operatorObjects.OfType<V1ServiceAccount>().Single();
        var deployment = operatorObjects.OfType<V1Deployment>().Single();
        return
        [
            ("Chart.yaml", ChartYaml()),
            ("values.yaml", ValuesYaml()),
            ("values.schema.json", ValuesSchema()),
            ("README.md", Readme()),
            ("crds/crds.yaml", EngulaYaml.Write(InstallManifests.Crds())),
            ("templates/_helpers.tpl", Helpers),
            ("templates/serviceaccount.yaml", Template([serviceAccount], deployment: null)),
            ("templates/rbac.yaml", Template(InstallManifests.Rbac(), deployment: null)),
            ("templates/deployment.yaml", Template([deployment], deployment)),
            ("templates/NOTES.txt", Notes),
        ];
    }

    /// <summary>Writes <see cref="Files"/> under a directory (LF line endings, byte-stable).</summary>
    public static void WriteTo(string directory)
    {
        foreach (var (file, content) in Files())
        {
            string path = Path.Combine(directory, file.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
    }

    // ---- values ------------------------------------------------------------------------------------------------

    /// <summary>How a value reaches the Deployment's template.</summary>
    private enum Placement
    {
        /// <summary>Placed by another value's template (the image's tag, by the repository's).</summary>
        ByOther,

        /// <summary>A scalar: the template expression stands where install.yaml has the default.</summary>
        Scalar,

        /// <summary>A map or list always written under its key (<c>toYaml</c>).</summary>
        Block,

        /// <summary>A map or list written under its key only when not empty (<c>with</c>); install.yaml has none.</summary>
        OptionalBlock,

        /// <summary>An operator flag and its argument appended to the container's args only when not empty; install.yaml passes none.</summary>
        OptionalFlag,
    }

    /// <summary>
    /// One entry of values.yaml. <see cref="Path"/> is where it goes in the Deployment's JSON (dot-separated, list
    /// indices as numbers); <see cref="Template"/> is the expression for <see cref="Placement.Scalar"/>, the flag for
    /// <see cref="Placement.OptionalFlag"/>. <see cref="Schema"/> is its JSON schema beyond the type of its default.
    /// </summary>
    private sealed record ChartValue(
        string Key, JsonNode Default, string Description, Placement Placement, string? Path = null, string? Template = null, string? Schema = null);

    /// <summary>
    /// Every value of the chart. The defaults of values that install.yaml sets are read from install.yaml's
    /// Deployment, so that <c>helm template</c> with default values renders install.yaml's objects.
    /// </summary>
    private static IReadOnlyList<ChartValue> ValueTable()
    {
        var deployment = InstallManifests.Operator().OfType<V1Deployment>().Single();
        var container = deployment.Spec.Template.Spec.Containers.Single();
        const string Container = "spec.template.spec.containers.0";
        int timeoutArgument = container.Args.IndexOf(OperatorCommand.RolloutTimeoutFlag) + 1;
        // The image's template renders repository:appVersion by default, install.yaml's image only while that is
        // ImageRepository:Version.
        if (timeoutArgument == 0 || container.Image != InstallManifests.Image)
        {
            throw new InvalidOperationException("the operator's Deployment no longer has what the chart's values refer to");
        }

        return
        [
            // The tag defaults to the chart's appVersion, as in most charts: a chart upgrade upgrades the operator.
            new("image.repository", InstallManifests.ImageRepository, "Registry and repository of the operator's image.", Placement.Scalar,
                Container + ".image", """{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) | quote }}""",
                """{"minLength": 1}"""),
            new("image.tag", "", "Tag of the image; empty: the chart's appVersion.", Placement.ByOther),
            new("image.pullPolicy", container.ImagePullPolicy, "Pull policy of the image.", Placement.Scalar, Container + ".imagePullPolicy",
                "{{ .Values.image.pullPolicy | quote }}", """{"enum": ["Always", "IfNotPresent", "Never"]}"""),
            new("imagePullSecrets", new JsonArray(), "Secrets for pulling the image from a private registry, e.g. [{name: regcred}].",
                Placement.OptionalBlock, "spec.template.spec.imagePullSecrets"),
            new("replicas", deployment.Spec.Replicas!.Value, "Operator pods: one leads (the Lease engula-operator), the others stand by to take over; 0 stops the operator.",
                Placement.Scalar, "spec.replicas", "{{ .Values.replicas }}", """{"minimum": 0}"""),
            new("resources", Json(container.Resources), "Requests and limits of the operator's container.", Placement.Block, Container + ".resources"),
            new("watchNamespace", "", $"Watch only this namespace ({OperatorCommand.NamespaceFlag}); empty: every namespace. The ClusterRole stays cluster-wide.",
                Placement.OptionalFlag, Container + ".args", OperatorCommand.NamespaceFlag),
            new("rolloutTimeoutSeconds", int.Parse(container.Args[timeoutArgument], CultureInfo.InvariantCulture),
                $"How long a pod moved to a new revision may stay not Ready before its component's rollout counts as stuck ({OperatorCommand.RolloutTimeoutFlag}).",
                Placement.Scalar, $"{Container}.args.{timeoutArgument}", "{{ int .Values.rolloutTimeoutSeconds | quote }}", """{"minimum": 1}"""),
            new("podAnnotations", new JsonObject(), "Annotations on the operator's pods.", Placement.OptionalBlock, "spec.template.metadata.annotations"),
            new("nodeSelector", new JsonObject(), "Node labels the operator's pods require.", Placement.OptionalBlock, "spec.template.spec.nodeSelector"),
            new("tolerations", new JsonArray(), "Taints the operator's pods tolerate.", Placement.OptionalBlock, "spec.template.spec.tolerations"),
            new("affinity", new JsonObject(), "Node and pod affinity of the operator's pods.", Placement.OptionalBlock, "spec.template.spec.affinity"),
        ];
    }

    private static JsonNode Json(object value) => JsonNode.Parse(KubernetesJson.Serialize(value))!;

    /// <summary>The keys of values.yaml, nested ones dotted (<c>image.tag</c>).</summary>
    public static IReadOnlyList<string> ValueKeys() => [.. ValueTable().Select(v => v.Key)];

    /// <summary>The values table of the chart's README (and of deploy/operator/README.md, which a test keeps equal).</summary>
    public static string ValuesTable()
    {
        var table = new StringBuilder("| Key | Default | Description |\n|---|---|---|\n");
        foreach (var value in ValueTable())
        {
            table.Append(CultureInfo.InvariantCulture, $"| `{value.Key}` | `{value.Default.ToJsonString()}` | {value.Description} |\n");
        }

        return table.ToString();
    }

    private static string ValuesYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append("# Values of the engula-operator chart; `helm template` with these renders the objects of the operator's\n")
            .Append("# install.yaml (the chart adds Helm's labels). Generated by `engula-operator generate-helm-chart`.\n");
        string? group = null;
        foreach (var value in ValueTable())
        {
            int dot = value.Key.IndexOf('.', StringComparison.Ordinal);
            string? valueGroup = dot < 0 ? null : value.Key[..dot];
            string leaf = dot < 0 ? value.Key : value.Key[(dot + 1)..];
            if (valueGroup is not null && valueGroup != group)
            {
                yaml.Append('\n').Append(valueGroup).Append(":\n");
            }
            else if (valueGroup is null)
            {
                yaml.Append('\n');
            }

            group = valueGroup;
            string indent = valueGroup is null ? "" : "  ";
            yaml.Append(indent).Append("# ").Append(value.Description).Append('\n');
            string entry = EngulaYaml.Write([new JsonObject { [leaf] = value.Default.DeepClone() }]);
            foreach (string line in entry.TrimEnd('\n').Split('\n'))
            {
                yaml.Append(indent).Append(line).Append('\n');
            }
        }

        return yaml.ToString();
    }

    /// <summary>
    /// values.schema.json: Helm checks the values against it on install, upgrade, template and lint, so a misspelt key
    /// (<c>replica</c>) or a wrong type fails there rather than rendering a Deployment without it.
    /// </summary>
    private static string ValuesSchema()
    {
        var root = SchemaObject();
        // A parent chart passes `global` to its subcharts.
        root["properties"]!["global"] = new JsonObject { ["type"] = "object" };
        foreach (var value in ValueTable())
        {
            var properties = root["properties"]!.AsObject();
            string leaf = value.Key;
            int dot = value.Key.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0)
            {
                string group = value.Key[..dot];
                leaf = value.Key[(dot + 1)..];
                if (!properties.ContainsKey(group))
                {
                    properties[group] = SchemaObject();
                }

                properties = properties[group]!["properties"]!.AsObject();
            }

            var schema = new JsonObject
            {
                ["description"] = value.Description,
                ["type"] = value.Default.GetValueKind() switch
                {
                    JsonValueKind.String => "string",
                    JsonValueKind.Number => "integer",
                    JsonValueKind.Object => "object",
                    JsonValueKind.Array => "array",
                    var kind => throw new InvalidOperationException($"no schema type for {value.Key}'s {kind} default"),
                },
            };
            foreach (var (key, node) in value.Schema is null ? [] : JsonNode.Parse(value.Schema)!.AsObject().ToList())
            {
                schema[key] = node?.DeepClone();
            }

            properties[leaf] = schema;
        }

        // Relaxed escaping: the descriptions' apostrophes stay readable (the file is read by people, not embedded in HTML).
        var options = new JsonSerializerOptions { WriteIndented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return root.ToJsonString(options) + "\n";

        static JsonObject SchemaObject() => new()
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject(),
        };
    }

    // ---- templates ---------------------------------------------------------------------------------------------

    /// <summary>
    /// The objects as one template file: each object's JSON gets placeholders (the release's namespace for
    /// install.yaml's, Helm's labels, and — for the Deployment — the values), is written as install.yaml writes
    /// objects, and the placeholders are replaced by template text.
    /// </summary>
    private static string Template(IEnumerable<IKubernetesObject> objects, V1Deployment? deployment)
    {
        var placeholders = new Placeholders();
        var documents = new List<JsonNode>();
        foreach (var obj in objects)
        {
            var json = Json(obj);
            ReplaceNamespacesAndLabels(json, placeholders);
            if (ReferenceEquals(obj, deployment))
            {
                PlaceValues(json.AsObject(), placeholders);
            }

            documents.Add(json);
        }

        return "{{- /* Generated by `engula-operator generate-helm-chart` from the objects of install.yaml; do not edit. */}}\n"
            + placeholders.Substitute(EngulaYaml.Write(documents));
    }

    /// <summary>
    /// install.yaml's namespace becomes the release's wherever it appears (metadata, RBAC subjects); the labels of
    /// every object and pod template become Helm's standard set, the selector the same labels as install.yaml's —
    /// a Deployment's selector is immutable, and the cluster-scoped names are fixed, so one release serves a cluster.
    /// </summary>
    private static void ReplaceNamespacesAndLabels(JsonNode node, Placeholders placeholders)
    {
        var labels = Json(InstallManifests.Labels());
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    if (key == "namespace" && child?.GetValueKind() == JsonValueKind.String && child.GetValue<string>() == InstallManifests.Namespace)
                    {
                        o[key] = placeholders.Scalar("{{ .Release.Namespace }}");
                    }
                    else if (key is "labels" or "matchLabels")
                    {
                        if (!JsonNode.DeepEquals(child, labels))
                        {
                            throw new InvalidOperationException($"labels the chart does not know: {child?.ToJsonString()}");
                        }

                        string template = key == "labels" ? LabelsTemplate : SelectorLabelsTemplate;
                        o[key] = placeholders.Lines((indent, name) =>
                            [$"{indent}{name}:", $"{indent}  {{{{- include \"{template}\" . | nindent {indent.Length + 2} }}}}"]);
                    }
                    else if (child is not null)
                    {
                        ReplaceNamespacesAndLabels(child, placeholders);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a.OfType<JsonNode>())
                {
                    ReplaceNamespacesAndLabels(child, placeholders);
                }

                break;
        }
    }

    private static void PlaceValues(JsonObject deployment, Placeholders placeholders)
    {
        foreach (var value in ValueTable())
        {
            switch (value.Placement)
            {
                case Placement.ByOther:
                    break;
                case Placement.Scalar:
                    Set(deployment, value.Path!, placeholders.Scalar(value.Template!), mustExist: true);
                    break;
                case Placement.Block:
                    Set(deployment, value.Path!, placeholders.Lines((indent, key) =>
                        [$"{indent}{key}:", $"{indent}  {{{{- toYaml .Values.{value.Key} | nindent {indent.Length + 2} }}}}"]), mustExist: true);
                    break;
                case Placement.OptionalBlock:
                    Set(deployment, value.Path!, placeholders.Lines((indent, key) =>
                    [
                        $"{indent}{{{{- with .Values.{value.Key} }}}}",
                        $"{indent}{key}:",
                        $"{indent}  {{{{- toYaml . | nindent {indent.Length + 2} }}}}",
                        $"{indent}{{{{- end }}}}",
                    ]), mustExist: false);
                    break;
                case Placement.OptionalFlag:
                    var args = Get(deployment, value.Path!)?.AsArray() ?? throw new InvalidOperationException($"no {value.Path} for {value.Key}");
                    args.Add(placeholders.ListItems(indent =>
                    [
                        $"{indent}{{{{- with .Values.{value.Key} }}}}",
                        $"{indent}- {value.Template}",
                        $"{indent}- {{{{ . | quote }}}}",
                        $"{indent}{{{{- end }}}}",
                    ]));
                    break;
            }
        }
    }

    private static JsonNode? Get(JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (string step in path.Split('.'))
        {
            current = int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                ? current is JsonArray a && index < a.Count ? a[index] : null
                : current is JsonObject o ? o[step] : null;
        }

        return current;
    }

    /// <summary>
    /// Sets the field at <paramref name="path"/>: one install.yaml has (<paramref name="mustExist"/>), or a new one,
    /// inserted where the models' alphabetical field order puts it.
    /// </summary>
    private static void Set(JsonObject root, string path, JsonNode value, bool mustExist)
    {
        int last = path.LastIndexOf('.');
        var parent = Get(root, path[..last]);
        string field = path[(last + 1)..];
        switch (parent)
        {
            case JsonArray array when int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < array.Count:
                array[index] = value;
                return;
            case JsonObject o when o.ContainsKey(field) == mustExist:
                if (mustExist)
                {
                    o[field] = value;
                }
                else
                {
                    int position = o.Select(p => p.Key).TakeWhile(k => string.CompareOrdinal(k, field) < 0).Count();
                    o.Insert(position, field, value);
                }

                return;
            default:
                throw new InvalidOperationException($"the Deployment has {(mustExist ? "no" : "already a")} {path}");
        }
    }

    /// <summary>
    /// Placeholders put into the objects' JSON as plain strings, and what replaces each, once serialized: a scalar's
    /// text, or the whole line (<c>key: placeholder</c> or <c>- placeholder</c>) by lines at its indentation.
    /// </summary>
    private sealed partial class Placeholders
    {
        private readonly Dictionary<string, Func<string, string>> _replacements = new(StringComparer.Ordinal);

        public JsonNode Scalar(string template) => Add(line => line.Replace(TokenOf(line), template, StringComparison.Ordinal));

        /// <summary>A map or list field: its <c>key: placeholder</c> line is replaced by lines (indentation, key) → lines.</summary>
        public JsonNode Lines(Func<string, string, string[]> lines) => Add(line =>
        {
            var m = FieldLine().Match(line);
            return m.Success ? string.Join('\n', lines(m.Groups["indent"].Value, m.Groups["key"].Value))
                : throw new InvalidOperationException($"a block placeholder must be a field of its own line: '{line}'");
        });

        /// <summary>A list item: its <c>- placeholder</c> line is replaced by lines (indentation) → lines.</summary>
        public JsonNode ListItems(Func<string, string[]> lines) => Add(line =>
        {
            var m = ItemLine().Match(line);
            return m.Success ? string.Join('\n', lines(m.Groups["indent"].Value))
                : throw new InvalidOperationException($"a list placeholder must be an item of its own line: '{line}'");
        });

        /// <summary>The YAML with every placeholder replaced; each must appear exactly once.</summary>
        public string Substitute(string yaml)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var lines = yaml.Split('\n').Select(line =>
            {
                var tokens = Token().Matches(line);
                if (tokens.Count == 0)
                {
                    return line;
                }

                string token = tokens.Single().Value;
                if (!_replacements.TryGetValue(token, out var replace) || !seen.Add(token))
                {
                    throw new InvalidOperationException($"placeholder {token} unknown or written twice: '{line}'");
                }

                return replace(line);
            }).ToList();
            if (seen.Count != _replacements.Count)
            {
                throw new InvalidOperationException($"placeholders not written: {string.Join(", ", _replacements.Keys.Except(seen))}");
            }

            return string.Join('\n', lines);
        }

        private JsonNode Add(Func<string, string> replace)
        {
            // A plain YAML scalar (no quoting), which no value of the objects contains.
            string token = $"__helm_placeholder_{_replacements.Count.ToString(CultureInfo.InvariantCulture)}__";
            _replacements.Add(token, replace);
            return JsonValue.Create(token);
        }

        private static string TokenOf(string line) => Token().Match(line).Value;

        [GeneratedRegex("__helm_placeholder_[0-9]+__")]
        private static partial Regex Token();

        [GeneratedRegex("^(?<indent> *)(?<key>[^ :-][^:]*): __helm_placeholder_[0-9]+__$")]
        private static partial Regex FieldLine();

        [GeneratedRegex("^(?<indent> *)- __helm_placeholder_[0-9]+__$")]
        private static partial Regex ItemLine();
    }

    // ---- fixed files -------------------------------------------------------------------------------------------

    private static string ChartYaml()
    {
        var chart = new JsonObject
        {
            ["apiVersion"] = "v2",
            ["name"] = Name,
            ["description"] = "The Engula operator: Cluster, Journal, Storage, Kernel, Engine and Background resources (cluster.engula.io) as StatefulSets.",
            ["type"] = "application",
            // One version for the chart and the operator: the chart is generated from the operator's code.
            ["version"] = InstallManifests.Version,
            ["appVersion"] = InstallManifests.Version,
            // The oldest server the operator supports (its tests run against 1.20).
            ["kubeVersion"] = ">=1.20.0-0",
            ["keywords"] = new JsonArray("engula", "operator", "storage"),
        };
        return EngulaYaml.Write([chart]);
    }

    private static readonly string Helpers = $$$"""
        {{/*
        Generated by `engula-operator generate-helm-chart`; do not edit.
        Labels of every object and pod: install.yaml's, and Helm's standard ones.
        */}}
        {{- define "{{{LabelsTemplate}}}" -}}
        {{ include "{{{SelectorLabelsTemplate}}}" . }}
        app.kubernetes.io/instance: {{ .Release.Name }}
        app.kubernetes.io/managed-by: {{ .Release.Service }}
        app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
        helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
        {{- end }}

        {{/*
        The Deployment's selector: exactly install.yaml's, because a selector cannot change after creation.
        */}}
        {{- define "{{{SelectorLabelsTemplate}}}" -}}
        {{{EngulaLabels.Name}}}: {{{Name}}}
        {{- end }}

        """;

    private static readonly string Notes = $$$"""
        The Engula operator {{ .Chart.AppVersion }} runs in namespace {{ .Release.Namespace }}: {{ .Values.replicas }} replica(s), one leads.
        {{- if .Values.watchNamespace }}
        It watches namespace {{ .Values.watchNamespace }} only.
        {{- else }}
        It watches every namespace.
        {{- end }}

        Check it:
          kubectl -n {{ .Release.Namespace }} get deployment {{{Name}}}
          kubectl -n {{ .Release.Namespace }} get lease {{{Name}}}      # holder: the leading pod

        Then create a Cluster (cluster.engula.io/v1alpha1) and watch its components:
          kubectl get engula

        CRDs: Helm installed the chart's CRDs (crds/) only because they were missing. It never upgrades or deletes
        them: after an upgrade to a chart with changed CRDs, apply them yourself:
          helm show crds <this chart> | kubectl apply --server-side --force-conflicts -f -

        """;

    private static string Readme() => $$"""
        # engula-operator Helm chart

        Installs the Engula operator {{InstallManifests.Version}}: its six CRDs (`cluster.engula.io/v1alpha1`), a ServiceAccount,
        least-privilege RBAC (a ClusterRole without wildcards, and a Role for the leader Lease only), and a Deployment of
        {{InstallManifests.Operator().OfType<V1Deployment>().Single().Spec.Replicas}} replicas (one leads, the other takes over) running as a non-root user with a read-only root
        filesystem. Generated by `engula-operator generate-helm-chart` from the same C# objects as the operator's
        `install.yaml`, which it renders with default values (plus Helm's labels); do not edit it by hand.

        ```bash
        helm install engula-operator deploy/helm/engula-operator --namespace engula-operator-system --create-namespace
        helm upgrade engula-operator deploy/helm/engula-operator --namespace engula-operator-system --set replicas=3
        helm uninstall engula-operator --namespace engula-operator-system
        ```

        One release per cluster: the ClusterRole, its binding and the CRDs are cluster-wide and named `{{Name}}`.
        The objects' names are fixed (`{{Name}}`); the namespace is the release's.

        ## CRDs

        The CRDs are in `crds/`, so Helm installs them before anything else, and only when they are missing. Helm
        **never upgrades or deletes** them: `helm upgrade` to a chart with changed CRDs leaves the old ones in place,
        and `helm uninstall` leaves them (and with them every Engula resource). Apply a new chart's CRDs yourself
        before upgrading:

        ```bash
        helm show crds deploy/helm/engula-operator | kubectl apply --server-side --force-conflicts -f -
        ```

        `--skip-crds` installs without them (when they are managed elsewhere).

        ## Values

        {{ValuesTable()}}
        Maps such as `resources` merge with the defaults (Helm's rule): set a key to `null` to drop it, e.g.
        `--set resources.limits=null`. `values.schema.json` checks the values: an unknown key or a value of the wrong
        type fails `helm install`, `helm upgrade`, `helm template` and `helm lint`.

        """;
}
