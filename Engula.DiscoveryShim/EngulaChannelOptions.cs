using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Engula.DiscoveryShim;

/// <summary>
/// Settings for channels built by <see cref="EngulaChannelFactory"/>. Every property can also be set from
/// configuration section <c>Engula:Discovery</c> (environment <c>Engula__Discovery__NameServer=10.0.0.10:53</c>,
/// time spans as <c>00:00:10</c>), see <see cref="FromConfiguration"/>.
/// </summary>
public sealed class EngulaChannelOptions
{
    /// <summary>The configuration section <see cref="FromConfiguration"/> reads.</summary>
    public const string ConfigurationSection = "Engula:Discovery";

    /// <summary>
    /// TCP connect timeout for one connection attempt. 2 s: a pod IP that vanished without a RST (node gone)
    /// answers nothing, and one SYN retransmission (1 s) should still fit; longer only delays the next
    /// back-off step.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>HTTP/2 keep-alive ping interval, so a peer that disappears without closing its sockets (a
    /// black-holed node) is noticed; 20 s keeps idle traffic negligible.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped (and the
    /// subchannel reconnects and re-resolves).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// gRPC connection back-off, first delay after a failed connect (gRPC spec default 1 s; grpc-dotnet then
    /// grows it ×1.6 with ±20 % jitter up to <see cref="MaxReconnectBackoff"/>). 100 ms: on a restart the
    /// first attempts come quickly, and the cap below bounds the rest.
    /// </summary>
    public TimeSpan InitialReconnectBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// gRPC connection back-off cap (gRPC spec default 120 s). 500 ms: after an outage of any length the next
    /// attempt is at most 0.6 s away (cap + 20 % jitter), which keeps the time from "peer accepts again" to
    /// "first successful call" under the project's 1 s target; the sequence is 0.1, 0.16, 0.26, 0.41, 0.5, 0.5 … s.
    /// The cost is two connect attempts a second per dead endpoint and channel, negligible for Engula's handful
    /// of peers. Measured with <c>dotnet bench/shim/bin/Release/net10.0/Engula.DiscoveryShim.Bench.dll recovery --trials 20</c>
    /// (SIGKILLed <c>engula journal</c> restarted on the same address, 2-core VM): from "port accepts" to the first
    /// successful call of a client waiting on the same channel, 20 trials: p50 0.40 s, p99 0.71 s (final code;
    /// 1.5 s in earlier runs while the VM was loaded) — the same as a fresh client dialled at that moment, i.e. the
    /// restarted .NET server's own start-up; the back-off's share is p50 0.2 ms, p99 65–184 ms. See bench/shim/README.md.
    /// </summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Periodic re-resolution of <c>dns:///</c>, <c>srv:///</c> and host-name targets, so pods added by a scale-up
    /// are used without any failure. 10 s: about CoreDNS's 5 s record TTL plus a margin, 0.1 queries a second per
    /// channel.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Floor between two resolutions of one channel. Connection failures ask for an immediate re-resolution
    /// (grpc-dotnet's balancer does so whenever a subchannel fails or goes idle); requests inside the floor are
    /// coalesced into one query at the floor's end, so a flapping backend causes at most one query per floor.
    /// 1 s: fast enough to follow a replaced pod, far from a query storm.
    /// </summary>
    public TimeSpan MinResolveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The DNS server (<c>ip</c> or <c>ip:port</c>) for <c>dns:///</c>, <c>srv:///</c> and host-name lookups. Null
    /// (the default) means the system resolver: A/AAAA through the operating system (so <c>/etc/hosts</c>, the
    /// search path and <c>ndots</c> of a pod's <c>/etc/resolv.conf</c> apply, as for any Kubernetes client), SRV
    /// through DnsClient with the name servers and search path of <c>/etc/resolv.conf</c>.
    /// </summary>
    public string? NameServer { get; set; }

    /// <summary>Timeout of one DNS query (DnsClient; one retry).</summary>
    public TimeSpan DnsQueryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Retries of UNAVAILABLE for the idempotent Engula methods (<see cref="EngulaCallClassification"/>). Turning
    /// it off leaves every call to fail on the first UNAVAILABLE.
    /// </summary>
    public bool EnableRetries { get; set; } = true;

    /// <summary>Attempts per call including the first (grpc-dotnet caps it at 5 unless raised here too).</summary>
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>Retry back-off: attempt n waits a random time in [0, min(initial × multiplier^(n-1), max)].</summary>
    public TimeSpan RetryInitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Retry back-off cap.</summary>
    public TimeSpan RetryMaxBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retry back-off growth factor.</summary>
    public double RetryBackoffMultiplier { get; set; } = 2;

    /// <summary>Largest message a channel accepts; null = unlimited (the original Rust server, on tonic, has no limit and the original
    /// mem journal sends a whole stream in one message).</summary>
    public int? MaxReceiveMessageSize { get; set; }

    /// <summary>Largest message a channel sends; null = unlimited.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Meter factory for the <c>Engula.DiscoveryShim</c> meter (DI supplies one); null = a plain <see cref="Meter"/>.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Reads the options from section <see cref="ConfigurationSection"/>; missing keys keep their defaults.</summary>
    /// <exception cref="FormatException">A value cannot be parsed; the message names the key.</exception>
    public static EngulaChannelOptions FromConfiguration(IConfiguration? configuration)
    {
        var options = new EngulaChannelOptions();
        if (configuration is null)
        {
            return options;
        }

        var section = configuration.GetSection(ConfigurationSection);
        options.ConnectTimeout = ReadTime(section, nameof(ConnectTimeout), options.ConnectTimeout);
        options.KeepAlivePingDelay = ReadTime(section, nameof(KeepAlivePingDelay), options.KeepAlivePingDelay);
        options.KeepAlivePingTimeout = ReadTime(section, nameof(KeepAlivePingTimeout), options.KeepAlivePingTimeout);
        options.InitialReconnectBackoff = ReadTime(section, nameof(InitialReconnectBackoff), options.InitialReconnectBackoff);
        options.MaxReconnectBackoff = ReadTime(section, nameof(MaxReconnectBackoff), options.MaxReconnectBackoff);
        options.RefreshInterval = ReadTime(section, nameof(RefreshInterval), options.RefreshInterval);
        options.MinResolveInterval = ReadTime(section, nameof(MinResolveInterval), options.MinResolveInterval);
        options.DnsQueryTimeout = ReadTime(section, nameof(DnsQueryTimeout), options.DnsQueryTimeout);
        options.RetryInitialBackoff = ReadTime(section, nameof(RetryInitialBackoff), options.RetryInitialBackoff);
        options.RetryMaxBackoff = ReadTime(section, nameof(RetryMaxBackoff), options.RetryMaxBackoff);
        options.NameServer = string.IsNullOrWhiteSpace(section[nameof(NameServer)]) ? null : section[nameof(NameServer)]!.Trim();
        options.EnableRetries = Read(section, nameof(EnableRetries), options.EnableRetries, bool.TryParse);
        options.MaxRetryAttempts = Read(section, nameof(MaxRetryAttempts), options.MaxRetryAttempts, (string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v));
        options.RetryBackoffMultiplier = Read(section, nameof(RetryBackoffMultiplier), options.RetryBackoffMultiplier, (string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v));
        return options;
    }

    /// <summary>Checks the values make sense together; the factory calls it before building a channel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(KeepAlivePingDelay, nameof(KeepAlivePingDelay));
        RequirePositive(KeepAlivePingTimeout, nameof(KeepAlivePingTimeout));
        RequirePositive(InitialReconnectBackoff, nameof(InitialReconnectBackoff));
        RequirePositive(MaxReconnectBackoff, nameof(MaxReconnectBackoff));
        RequirePositive(RefreshInterval, nameof(RefreshInterval));
        RequirePositive(DnsQueryTimeout, nameof(DnsQueryTimeout));
        RequirePositive(RetryInitialBackoff, nameof(RetryInitialBackoff));
        RequirePositive(RetryMaxBackoff, nameof(RetryMaxBackoff));
        if (MinResolveInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinResolveInterval), MinResolveInterval, "must not be negative");
        }

        if (MaxReconnectBackoff < InitialReconnectBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReconnectBackoff), MaxReconnectBackoff, $"must not be below {nameof(InitialReconnectBackoff)} ({InitialReconnectBackoff})");
        }

        if (MaxRetryAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetryAttempts), MaxRetryAttempts, "must be at least 1");
        }

        if (RetryBackoffMultiplier <= 0 || double.IsNaN(RetryBackoffMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(RetryBackoffMultiplier), RetryBackoffMultiplier, "must be positive");
        }

        if (NameServer is not null)
        {
            try
            {
                Resolution.DnsEndpointLookup.ParseNameServer(NameServer);
            }
            catch (FormatException)
            {
                throw new ArgumentOutOfRangeException(nameof(NameServer), NameServer, "must be an IP address or ip:port");
            }
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T Read<T>(IConfigurationSection section, string key, T fallback, TryParse<T> parse)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return parse(text.Trim(), out var value)
            ? value
            : throw new FormatException($"{section.Path}:{key}='{text}' is not a valid {typeof(T).Name}");
    }

    private static TimeSpan ReadTime(IConfigurationSection section, string key, TimeSpan fallback) =>
        Read(section, key, fallback, (string s, out TimeSpan v) => TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out v));
}
