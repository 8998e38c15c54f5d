using Microsoft.Extensions.Configuration;

namespace Engula.Hosting.Publishing;

/// <summary>
/// How <see cref="EngulaPublishOptions"/> and <see cref="EngulaDeployOptions"/> read a key: missing and blank (white
/// space only) both mean "not set", so that an empty <c>--Engula:Namespace=</c> or <c>Engula__ImageTag=</c> keeps the
/// default instead of failing to parse.
/// </summary>
internal static class ConfigurationValues
{
    public static string? NonBlank(this IConfiguration configuration, string key) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
