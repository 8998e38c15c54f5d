using Engula.DiscoveryShim.Resolution;

namespace Engula.DiscoveryShim.Tests;

public sealed class ResolvConfTests
{
    private const string Pod = """
        # a Kubernetes pod's resolv.conf
        search ns.svc.cluster.local svc.cluster.local cluster.local
        nameserver 10.96.0.10
        options ndots:5
        """;

    [Fact]
    public void Short_names_try_the_search_path_first()
    {
        var conf = ResolvConf.Parse(Pod);

        Assert.Equal(5, conf.Ndots);
        Assert.Equal(
            ["_grpc._tcp.journal.ns.svc.cluster.local", "_grpc._tcp.journal.svc.cluster.local", "_grpc._tcp.journal.cluster.local", "_grpc._tcp.journal"],
            conf.Candidates("_grpc._tcp.journal"));
    }

    [Fact]
    public void Names_with_enough_dots_or_a_trailing_dot_go_as_they_are()
    {
        var conf = ResolvConf.Parse("search a.b\noptions ndots:2");

        Assert.Equal(["x.y.z", "x.y.z.a.b"], conf.Candidates("x.y.z"));
        Assert.Equal(["x.y.z"], conf.Candidates("x.y.z."));
        Assert.Equal(["x.a.b", "x"], conf.Candidates("x"));
    }

    [Fact]
    public void Last_search_or_domain_line_wins_and_defaults_apply()
    {
        Assert.Equal(["b.c"], ResolvConf.Parse("search a\ndomain b.c.").SearchDomains);
        Assert.Equal(1, ResolvConf.Parse("nameserver 1.1.1.1").Ndots);
        Assert.Empty(ResolvConf.Parse("").SearchDomains);
    }
}
