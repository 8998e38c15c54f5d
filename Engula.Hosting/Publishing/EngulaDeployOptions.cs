using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Engula.Hosting.Publishing;

/// <summary>
/// Where and how <c>aspire deploy</c> and <c>aspire destroy</c> work, read from configuration like the publisher's
/// options (<c>--Engula:Namespace=engula</c> after the command, <c>Engula__Namespace</c> in the environment).
/// </summary>
public sealed record EngulaDeployOptions
{
    /// <summary>Configuration key of <see cref="Kubeconfig"/>.</summary>
    public const string KubeconfigKey = "Engula:Kubeconfig";

    /// <summary>Configuration key of <see cref="Namespace"/>.</summary>
    public const string NamespaceKey = "Engula:Namespace";

    /// <summary>Configuration key of <see cref="DeleteData"/>.</summary>
    public const string DeleteDataKey = "Engula:DeleteData";

    /// <summary>Configuration key of <see cref="ReadyTimeout"/> (seconds).</summary>
    public const string ReadyTimeoutKey = "Engula:DeployTimeout";

    /// <summary>The kubeconfig file, or null for the usual one (<c>KUBECONFIG</c>, else <c>~/.kube/config</c>) and its current context.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The namespace to deploy to, or null for the kube context's own (else <c>default</c>).</summary>
    public string? Namespace { get; init; }

    /// <summary>Whether <c>aspire destroy</c> also deletes the data volumes (PersistentVolumeClaims); by default they are kept.</summary>
    public bool DeleteData { get; init; }

    /// <summary>How long <c>aspire deploy</c> waits for every StatefulSet to be ready (default 5 minutes).</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads the options; a key that is missing or blank keeps its default.</summary>
    /// <exception cref="EngulaPublishException">A value cannot be read; the message names the key.</exception>
    public static EngulaDeployOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // Surrounding white space is never part of a path, a namespace, a flag or a number of seconds.
        string? Read(string key) => configuration.NonBlank(key)?.Trim();
        var deleteData = Read(DeleteDataKey);
        var timeout = Read(ReadyTimeoutKey);
        return new EngulaDeployOptions
        {
            Kubeconfig = Read(KubeconfigKey),
            Namespace = Read(NamespaceKey),
            DeleteData = deleteData is null ? false
                : bool.TryParse(deleteData, out var delete) ? delete
                : throw new EngulaPublishException($"{DeleteDataKey}='{deleteData}' is not true or false"),
            ReadyTimeout = timeout is null ? TimeSpan.FromMinutes(5)
                : double.TryParse(timeout, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 86400
                    ? TimeSpan.FromSeconds(seconds)
                    : throw new EngulaPublishException($"{ReadyTimeoutKey}='{timeout}' is not a number of seconds between 0 and 86400"),
        };
    }
}
