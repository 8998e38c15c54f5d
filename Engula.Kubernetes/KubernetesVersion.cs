using System.Globalization;
using System.Text.RegularExpressions;

namespace Engula.Kubernetes;

/// <summary>
/// A Kubernetes minor version (<c>1.20</c>): the oldest server the objects must apply to. The builders pick the
/// group-version of each kind from it; this type is the one place that knows which version brought which
/// group-version.
/// </summary>
public readonly partial record struct KubernetesVersion : IComparable<KubernetesVersion>
{
    /// <summary>The group-version of PodDisruptionBudgets from <see cref="PolicyV1Since"/> on.</summary>
    public const string PolicyV1 = "policy/v1";

    /// <summary>
    /// The group-version of PodDisruptionBudgets before <see cref="PolicyV1Since"/>: the same spec (the builders set
    /// only <c>maxUnavailable</c> and <c>selector</c>), served from 1.5 until its removal in 1.25.
    /// </summary>
    public const string PolicyV1Beta1 = "policy/v1beta1";

    /// <summary>Creates a version; both parts must be non-negative.</summary>
    public KubernetesVersion(int major, int minor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(major);
        ArgumentOutOfRangeException.ThrowIfNegative(minor);
        Major = major;
        Minor = minor;
    }

    /// <summary>The major version (always 1 so far).</summary>
    public int Major { get; }

    /// <summary>The minor version.</summary>
    public int Minor { get; }

    /// <summary>The first version that serves <c>policy/v1</c> PodDisruptionBudgets: 1.21.</summary>
    public static KubernetesVersion PolicyV1Since { get; } = new(1, 21);

    /// <summary>
    /// The oldest target the builders support: 1.20. The kinds would exist earlier (<c>apps/v1</c> StatefulSet since
    /// 1.9, <c>networking.k8s.io/v1</c> NetworkPolicy since 1.7, <c>policy/v1beta1</c> PodDisruptionBudget since 1.5),
    /// but the pod template uses fields that 1.20 is the first to serve by default: <c>fsGroupChangePolicy</c> is
    /// alpha and off before 1.20, so a 1.19 API server drops it without an error and the kubelet walks the whole data
    /// volume on every start; <c>seccompProfile</c> exists only since 1.19. 1.20 is also the version of the test API
    /// server, where every object the builders make is applied in the tests.
    /// </summary>
    public static KubernetesVersion OldestSupported { get; } = new(1, 20);

    /// <summary>
    /// The <c>apiVersion</c> of a PodDisruptionBudget a server of this version accepts: <see cref="PolicyV1"/> from
    /// 1.21 on, <see cref="PolicyV1Beta1"/> before.
    /// </summary>
    public string PodDisruptionBudgetApiVersion => this >= PolicyV1Since ? PolicyV1 : PolicyV1Beta1;

    // v1.20, 1.20, 1.20.2, and what `kubectl version` prints for distributions (v1.27.3-gke.100, v1.28.5+k3s1).
    [GeneratedRegex(@"^[vV]?(?<major>[0-9]{1,4})\.(?<minor>[0-9]{1,4})(?:\.[0-9]{1,6}(?:[-+][0-9A-Za-z.+-]+)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    /// <summary>
    /// Reads <c>&lt;major&gt;.&lt;minor&gt;</c>, optionally with a leading <c>v</c> and a patch version (with a
    /// distribution suffix): <c>1.20</c>, <c>v1.20</c>, <c>1.20.2</c>, <c>v1.28.5+k3s1</c>. The patch is ignored: the
    /// API of a minor version does not change with its patches. <c>1</c>, <c>2.x</c>, <c>abc</c> are not versions.
    /// </summary>
    public static bool TryParse(string? text, out KubernetesVersion version)
    {
        version = default;
        var match = text is null ? null : VersionPattern().Match(text.Trim());
        if (match is not { Success: true })
        {
            return false;
        }

        version = new KubernetesVersion(
            int.Parse(match.Groups["major"].Value, NumberStyles.None, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["minor"].Value, NumberStyles.None, CultureInfo.InvariantCulture));
        return true;
    }

    /// <inheritdoc cref="TryParse"/>
    /// <exception cref="FormatException">The text is not a version.</exception>
    public static KubernetesVersion Parse(string text) =>
        TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a Kubernetes version: use <major>.<minor>, e.g. 1.20 (v1.20 and 1.20.2 are read as 1.20)");

    /// <inheritdoc/>
    public int CompareTo(KubernetesVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    /// <summary>Whether <paramref name="left"/> is an older version than <paramref name="right"/>.</summary>
    public static bool operator <(KubernetesVersion left, KubernetesVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is a newer version than <paramref name="right"/>.</summary>
    public static bool operator >(KubernetesVersion left, KubernetesVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is the same or an older version than <paramref name="right"/>.</summary>
    public static bool operator <=(KubernetesVersion left, KubernetesVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is the same or a newer version than <paramref name="right"/>.</summary>
    public static bool operator >=(KubernetesVersion left, KubernetesVersion right) => left.CompareTo(right) >= 0;

    /// <summary><c>&lt;major&gt;.&lt;minor&gt;</c>, e.g. <c>1.20</c>.</summary>
    public override string ToString() => $"{Major.ToString(CultureInfo.InvariantCulture)}.{Minor.ToString(CultureInfo.InvariantCulture)}";
}
