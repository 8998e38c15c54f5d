namespace Engula.DiscoveryShim.Tests;

public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:24570", PeerAddressKind.HostPort, "127.0.0.1", 24570)]
    [InlineData("journal-0.journal:24570", PeerAddressKind.HostPort, "journal-0.journal", 24570)]
    [InlineData("http://localhost:24570", PeerAddressKind.HostPort, "localhost", 24570)]
    [InlineData("http://localhost:24570/", PeerAddressKind.HostPort, "localhost", 24570)]
    [InlineData("[::1]:24570", PeerAddressKind.HostPort, "::1", 24570)]
    [InlineData("http://[::1]:24570", PeerAddressKind.HostPort, "::1", 24570)]
    [InlineData("dns:///cluster-journal:24570", PeerAddressKind.Dns, "cluster-journal", 24570)]
    [InlineData("DNS:///journal.ns.svc.cluster.local:1", PeerAddressKind.Dns, "journal.ns.svc.cluster.local", 1)]
    [InlineData("srv:///_grpc._tcp.engula-journal.ns.svc.cluster.local", PeerAddressKind.Srv, "_grpc._tcp.engula-journal.ns.svc.cluster.local", 0)]
    [InlineData("journal", PeerAddressKind.Logical, "journal", 0)]
    [InlineData("  kernel ", PeerAddressKind.Logical, "kernel", 0)]
    public void Parses_every_address_form(string text, PeerAddressKind kind, string host, int port)
    {
        var address = PeerAddress.Parse(text);

        Assert.Equal(kind, address.Kind);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(text.Trim(), address.Original);
    }

    [Fact]
    public void ToHttpUri_brackets_IPv6()
    {
        Assert.Equal(new Uri("http://[::1]:5000"), PeerAddress.Parse("[::1]:5000").ToHttpUri());
        Assert.Equal(new Uri("http://journal:5000"), PeerAddress.Parse("journal:5000").ToHttpUri());
    }

    [Theory]
    [InlineData("", "empty address")]
    [InlineData("   ", "empty address")]
    [InlineData("journal:port", "invalid port")]
    [InlineData("journal:70000", "invalid port")]
    [InlineData("journal:-1", "invalid port")]
    [InlineData(":24570", "expected host:port")]
    [InlineData("::1:24570", "IPv6 hosts need brackets")]
    [InlineData("[::1]24570", "expected [v6]:port")]
    [InlineData("[not-v6]:1", "is not an IPv6 address")]
    [InlineData("jour nal:1", "is not a host name")]
    [InlineData("http://journal", "expected http://host:port")]
    [InlineData("https://journal:443", "https:// is not supported")]
    [InlineData("grpc://journal:1", "unsupported address scheme")]
    [InlineData("dns://8.8.8.8/journal:1", "DNS authority")]
    [InlineData("dns:///journal", "expected host:port")]
    [InlineData("srv:///", "expected srv:///<name>")]
    [InlineData("srv:///a/b", "expected srv:///<name>")]
    public void Rejects_bad_input_with_a_clear_error(string text, string expected)
    {
        Assert.False(PeerAddress.TryParse(text, out var address, out var error));
        Assert.Null(address);
        Assert.Contains(expected, error, StringComparison.Ordinal);

        var thrown = Assert.Throws<FormatException>(() => PeerAddress.Parse(text));
        Assert.Equal(error, thrown.Message);
    }

    [Fact]
    public void Channel_factory_refuses_port_zero_and_unknown_logical_names()
    {
        var factory = new EngulaChannelFactory();

        var zero = Assert.Throws<FormatException>(() => factory.CreateChannel("127.0.0.1:0"));
        Assert.Contains("port 0", zero.Message, StringComparison.Ordinal);

        var logical = Assert.Throws<InvalidOperationException>(() => factory.CreateChannel("journal"));
        Assert.Contains("ENGULA_JOURNAL", logical.Message, StringComparison.Ordinal);
    }
}
