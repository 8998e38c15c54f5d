using Microsoft.Extensions.Configuration;

namespace Engula.DiscoveryShim.Tests;

/// <summary>The lookup order of <see cref="PeerLocator"/>: flag &gt; ENGULA_* &gt; services__&lt;peer&gt;__grpc__&lt;i&gt; &gt; kubecluster + &lt;peer&gt;port.</summary>
public sealed class PeerLocatorTests
{
    // Later pairs override earlier ones, like later configuration sources.
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.GroupBy(v => v.Key).Select(g => new KeyValuePair<string, string?>(g.Key, g.Last().Value))).Build();

    private static readonly (string, string)[] All =
    [
        ("ENGULA_JOURNAL", "dns:///from-env:1"),
        ("services:journal:grpc:0", "http://localhost:2"),
        ("kubecluster", "sample"),
        ("journalport", "24570"),
    ];

    [Fact]
    public void Flag_wins_over_everything()
    {
        Assert.Equal("10.0.0.1:9", PeerLocator.Locate("journal", "10.0.0.1:9", Config(All))?.Original);
    }

    [Fact]
    public void Environment_variable_comes_second()
    {
        Assert.Equal("dns:///from-env:1", PeerLocator.Locate("journal", null, Config(All))?.Original);
        Assert.Equal("dns:///from-env:1", PeerLocator.Locate("journal", "  ", Config(All))?.Original);
    }

    [Fact]
    public void Aspire_service_discovery_comes_third_lowest_index_first()
    {
        var config = Config(All[1..].Append(("services:journal:grpc:10", "http://localhost:10")).Append(("services:journal:grpc:2", "http://localhost:20")).ToArray());

        Assert.Equal("http://localhost:2", PeerLocator.Locate("journal", null, config)?.Original);

        var withoutZero = Config(("services:journal:grpc:10", "http://localhost:10"), ("services:journal:grpc:2", "http://localhost:20"));
        Assert.Equal("http://localhost:20", PeerLocator.Locate("journal", null, withoutZero)?.Original);
    }

    [Fact]
    public void Aspire_keys_come_from_double_underscore_environment_variables()
    {
        var name = "services__engulatestpeer" + Environment.ProcessId + "__grpc__0";
        Environment.SetEnvironmentVariable(name, "http://localhost:3");
        try
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            Assert.Equal("http://localhost:3", PeerLocator.Locate("engulatestpeer" + Environment.ProcessId, null, config)?.Original);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Original_operator_variables_come_last()
    {
        Assert.Equal("dns:///sample-journal:24570", PeerLocator.Locate("journal", null, Config(All[2..]))?.Original);
        Assert.Equal("dns:///sample-storage:24569", PeerLocator.Locate("storage", null, Config(("kubecluster", "sample"), ("storageport", "24569")))?.Original);
        Assert.Equal("dns:///sample-kernel:24567", PeerLocator.Locate("kernel", null, Config(("kubecluster", "sample"), ("kernelport", "24567")))?.Original);
    }

    [Fact]
    public void Nothing_configured_is_null()
    {
        Assert.Null(PeerLocator.Locate("journal", null, Config()));
        Assert.Null(PeerLocator.Locate("journal", null, Config(("kubecluster", "sample"))));
        Assert.Null(PeerLocator.Locate("journal", null, Config(("journalport", "1"))));
    }

    [Fact]
    public void A_logical_flag_is_looked_up_through_the_configuration()
    {
        Assert.Equal("dns:///from-env:1", PeerLocator.Locate("journal", "journal", Config(All))?.Original);
        Assert.Equal("http://localhost:2", PeerLocator.Locate("journal", "journal", Config(All[1..]))?.Original);
        Assert.Equal("dns:///sample-journal:24570", PeerLocator.Locate("journal", "journal", Config(All[2..]))?.Original);

        // A logical ENGULA_ value is followed once, not in a loop.
        Assert.Equal("http://localhost:2", PeerLocator.Locate("journal", null, Config(("ENGULA_JOURNAL", "journal"), ("services:journal:grpc:0", "http://localhost:2")))?.Original);
    }

    [Fact]
    public void A_logical_name_nobody_defines_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => PeerLocator.Locate("journal", "journal", Config()));
        Assert.Contains("--journal='journal'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ENGULA_JOURNAL", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ENGULA_JOURNAL", "journal:abc", "ENGULA_JOURNAL: invalid port")]
    [InlineData("services:journal:grpc:0", "https://localhost:1", "services__journal__grpc: unsupported address scheme")]
    [InlineData("journalport", "abc", "journalport='abc' is not a port number")]
    [InlineData("journalport", "70000", "journalport='70000' is not a port number")]
    public void Bad_values_name_their_setting(string key, string value, string expected)
    {
        var config = Config(("kubecluster", "sample"), ("journalport", "24570"), (key, value));
        var e = Assert.Throws<FormatException>(() => PeerLocator.Locate("journal", null, config));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_flag_names_the_flag()
    {
        var e = Assert.Throws<FormatException>(() => PeerLocator.Locate("storage", "storage:99999", Config()));
        Assert.StartsWith("--storage: invalid port", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Channel_factory_resolves_logical_names_from_its_configuration()
    {
        var factory = new EngulaChannelFactory(configuration: Config(("kubecluster", "sample"), ("journalport", "24570")));

        var peer = factory.ResolvePeer("journal");

        Assert.Equal(PeerAddressKind.Dns, peer.Kind);
        Assert.Equal("sample-journal", peer.Host);
        Assert.Equal(24570, peer.Port);
    }

    [Fact]
    public void Options_are_read_from_configuration_and_bad_values_name_the_key()
    {
        var options = EngulaChannelOptions.FromConfiguration(Config(("Engula:Discovery:NameServer", "127.0.0.1:5353"), ("Engula:Discovery:RefreshInterval", "00:00:03"), ("Engula:Discovery:EnableRetries", "false")));
        Assert.Equal("127.0.0.1:5353", options.NameServer);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RefreshInterval);
        Assert.False(options.EnableRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.MaxReconnectBackoff);

        var e = Assert.Throws<FormatException>(() => EngulaChannelOptions.FromConfiguration(Config(("Engula:Discovery:MinResolveInterval", "soon"))));
        Assert.Contains("Engula:Discovery:MinResolveInterval='soon'", e.Message, StringComparison.Ordinal);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new EngulaChannelOptions { MaxReconnectBackoff = TimeSpan.FromMilliseconds(10) }.Validate());
        Assert.Equal(nameof(EngulaChannelOptions.MaxReconnectBackoff), range.ParamName);

        var nameServer = Assert.Throws<ArgumentOutOfRangeException>(() => new EngulaChannelFactory(new EngulaChannelOptions { NameServer = "dns.example" }));
        Assert.Equal(nameof(EngulaChannelOptions.NameServer), nameServer.ParamName);
        Assert.Equal("dns.example", nameServer.ActualValue);
    }
}
