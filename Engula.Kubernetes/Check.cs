using System.Globalization;
using System.Text.RegularExpressions;

namespace Engula.Kubernetes;

/// <summary>
/// Input validation with errors that name the offending field. The API server would reject most of these too,
/// but only after a publisher wrote files or an operator issued a request; failing early with the field's name is
/// what makes bad input easy to fix.
/// </summary>
internal static partial class Check
{
    /// <summary>StatefulSet names feed the pod label <c>controller-revision-hash=&lt;name&gt;-&lt;10 chars&gt;</c>, a label value of at most 63 characters.</summary>
    internal const int MaxComponentNameLength = 52;

    internal static ArgumentException Error(string field, string message) => new($"{field}: {message}", field);

    // RFC 1035 label (Service names): starts with a letter.
    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();

    // RFC 1123 label (namespace names): may start with a digit.
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    // Label name part and label value (value may be empty).
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex(@"^[-._a-zA-Z][-._a-zA-Z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvVarName();

    // An image reference as the container runtimes parse it (distribution/reference): [domain[:port]/]path[:tag][@digest].
    [GeneratedRegex(
        @"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/|\[[0-9a-fA-F:]+\](?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
        @"(?::[\w][\w.-]{0,127})?" +
        @"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$",
        RegexOptions.CultureInvariant)]
    private static partial Regex ImageReference();

    // A resource quantity (k8s.io/apimachinery/pkg/api/resource): number with an optional binary/decimal suffix or exponent.
    [GeneratedRegex(@"^[+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[mkMGTPE]|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Quantity();

    internal static void Dns1035(string field, string? value, int maxLength, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Error(field, $"{what} must not be empty");
        }

        if (value.Length > maxLength)
        {
            throw Error(field, $"'{value}' is {value.Length} characters; {what} must be at most {maxLength}");
        }

        if (!Dns1035Label().IsMatch(value))
        {
            throw Error(field, $"'{value}' is not a valid {what}: use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit (RFC 1035 label)");
        }
    }

    internal static void Namespace(string field, string value)
    {
        if (value.Length is 0 or > 63 || !Dns1123Label().IsMatch(value))
        {
            throw Error(field, $"'{value}' is not a valid namespace: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)");
        }
    }

    internal static void Image(string field, string? image)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw Error(field, "an image is required (e.g. 'ghcr.io/engula/engula:0.2.0')");
        }

        // The repository part (everything before ':tag' / '@digest') is limited to 255 characters.
        string repository = image.Split('@')[0];
        int lastSlash = repository.LastIndexOf('/');
        int colon = repository.IndexOf(':', lastSlash + 1);
        if (colon >= 0)
        {
            repository = repository[..colon];
        }

        if (!ImageReference().IsMatch(image) || repository.Length > 255)
        {
            throw Error(field, $"'{image}' is not a valid image reference: expected [registry[:port]/]name[:tag][@sha256:digest] with a lower-case name, e.g. 'ghcr.io/engula/engula:0.2.0'");
        }
    }

    internal static void PullPolicy(string field, string? policy)
    {
        if (policy is not ("Always" or "IfNotPresent" or "Never"))
        {
            throw Error(field, $"'{policy}' is not an image pull policy: use Always, IfNotPresent or Never");
        }
    }

    internal static void Port(string field, int port)
    {
        if (port is < 1 or > 65535)
        {
            throw Error(field, $"{port} is not a port number (1-65535)");
        }
    }

    internal static ResourceQuantity PositiveQuantity(string field, string value)
    {
        if (!Quantity().IsMatch(value))
        {
            throw Error(field, $"'{value}' is not a Kubernetes quantity (e.g. 1Gi, 500Mi, 10G)");
        }

        var quantity = new ResourceQuantity(value);
        if (quantity.ToDecimal() <= 0)
        {
            throw Error(field, $"'{value}' must be greater than zero");
        }

        return quantity;
    }

    internal static void StorageClass(string field, string value) => Dns1123SubdomainName(field, value, "StorageClass name");

    internal static void Dns1123SubdomainName(string field, string value, string what)
    {
        if (value.Length is 0 or > 253 || !Dns1123Subdomain().IsMatch(value))
        {
            throw Error(field, $"'{value}' is not a valid {what} (RFC 1123 subdomain)");
        }
    }

    internal static void LabelKey(string field, string key)
    {
        string name = key;
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length is 0 or > 253 || !Dns1123Subdomain().IsMatch(prefix))
            {
                throw Error(field, $"label key '{key}' has an invalid prefix (RFC 1123 subdomain expected before '/')");
            }
        }

        if (name.Length is 0 or > 63 || !QualifiedNamePart().IsMatch(name))
        {
            throw Error(field, $"label key '{key}' is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        }
    }

    internal static void LabelValue(string field, string? value)
    {
        if (value is null || value.Length > 63 || (value.Length > 0 && !QualifiedNamePart().IsMatch(value)))
        {
            throw Error(field, $"label value '{value}' is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        }
    }

    internal static void EnvName(string field, string name)
    {
        if (!EnvVarName().IsMatch(name))
        {
            throw Error(field, $"'{name}' is not a valid environment variable name (letters, digits, '_', '-', '.', not starting with a digit)");
        }
    }

    internal static void Resources(string field, V1ResourceRequirements resources)
    {
        if (resources.Requests is null || resources.Limits is null)
        {
            return;
        }

        foreach (var (resource, request) in resources.Requests)
        {
            if (resources.Limits.TryGetValue(resource, out var limit) && request is not null && limit is not null
                && request.ToDecimal() > limit.ToDecimal())
            {
                throw Error(field, $"the {resource} request {request} exceeds its limit {limit}");
            }
        }
    }

    internal static void Owner(string field, V1OwnerReference owner)
    {
        if (string.IsNullOrEmpty(owner.ApiVersion) || string.IsNullOrEmpty(owner.Kind)
            || string.IsNullOrEmpty(owner.Name) || string.IsNullOrEmpty(owner.Uid))
        {
            throw Error(field, "an owner reference needs apiVersion, kind, name and uid");
        }
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
