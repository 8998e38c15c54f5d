using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>Settings of <see cref="GrpcForwarder"/> (configuration section <c>Engula:Shim</c>).</summary>
public sealed class GrpcForwarderOptions
{
    /// <summary>The configuration section <see cref="FromConfiguration"/> reads.</summary>
    public const string ConfigurationSection = "Engula:Shim";

    /// <summary>
    /// How long a forwarded call <em>without</em> a deadline (the original tonic clients set none) waits for a
    /// ready backend before it fails with UNAVAILABLE. Calls with a deadline wait up to their deadline instead
    /// (WaitForReady). 10 s: longer than a pod restart on a healthy node, short enough that a caller without any
    /// deadline is not stuck forever.
    /// </summary>
    public TimeSpan NoDeadlineReadyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest request message accepted (after decompression); larger ones fail with RESOURCE_EXHAUSTED.
    /// Default: the largest .NET array, i.e. no Engula-specific limit (the original
    /// has none, and its mem journal sends a whole stream in one message).</summary>
    public int MaxMessageSize { get; set; } = Array.MaxLength;

    /// <summary>Reads the options from section <see cref="ConfigurationSection"/>; missing keys keep their defaults.</summary>
    /// <exception cref="FormatException">A value cannot be parsed; the message names the key.</exception>
    public static GrpcForwarderOptions FromConfiguration(IConfiguration? configuration)
    {
        var options = new GrpcForwarderOptions();
        var section = configuration?.GetSection(ConfigurationSection);
        if (section?[nameof(NoDeadlineReadyTimeout)] is { Length: > 0 } timeout)
        {
            options.NoDeadlineReadyTimeout = TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out var t) && t > TimeSpan.Zero
                ? t
                : throw new FormatException($"{ConfigurationSection}:{nameof(NoDeadlineReadyTimeout)}='{timeout}' is not a positive time span");
        }

        if (section?[nameof(MaxMessageSize)] is { Length: > 0 } size)
        {
            options.MaxMessageSize = int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= Array.MaxLength
                ? n
                : throw new FormatException($"{ConfigurationSection}:{nameof(MaxMessageSize)}='{size}' is not a size in bytes (1–{Array.MaxLength})");
        }

        return options;
    }
}
