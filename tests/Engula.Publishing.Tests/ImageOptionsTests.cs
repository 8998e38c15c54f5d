using Engula.Hosting.Publishing;
using Microsoft.Extensions.Configuration;

namespace Engula.Publishing.Tests;

/// <summary>The image steps' settings: a registry is a host with an optional port and path, spoken to over plain HTTP
/// only on loopback; a digest pins the image reference every container runs.</summary>
public sealed class ImageOptionsTests
{
    private static IConfiguration Config(string key, string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build();

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:5055", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("[::1]:5000/team/", true)]
    [InlineData("registry.example.com", false)]
    [InlineData("registry.example.com:443/team", false)]
    [InlineData("10.244.0.1:5000", false)]
    [InlineData("localhost.example.com:5000", false)]
    public void A_registry_is_plain_HTTP_only_on_loopback(string registry, bool loopback)
    {
        var options = EngulaImageOptions.From(Config(EngulaImageOptions.RegistryKey, registry), appHost: null);
        Assert.Equal(loopback, options.RegistryIsLoopback);
        Assert.Equal($"{registry.TrimEnd('/')}/engula:1.2.3", options.RemoteReference("1.2.3"));
    }

    [Theory]
    [InlineData("http://localhost:5000", "names a scheme")]
    [InlineData("localhost:5000//team", "is not a registry")]
    [InlineData("local host", "is not a registry")]
    [InlineData("localhost:5000/engula@sha256", "is not a registry")]
    public void A_malformed_registry_is_refused_naming_the_key(string registry, string reason)
    {
        var e = Assert.Throws<EngulaPublishException>(() => EngulaImageOptions.From(Config(EngulaImageOptions.RegistryKey, registry), appHost: null));
        Assert.StartsWith($"Engula:Registry='{registry}' {reason}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_registry_nothing_is_pushed_and_the_source_paths_come_from_the_AppHost_metadata()
    {
        var options = EngulaImageOptions.From(Config(EngulaImageOptions.RegistryKey, " "), AppHostAssembly());
        Assert.Null(options.Registry);
        Assert.False(options.RegistryIsLoopback);
        Assert.True(File.Exists(options.ServerProject), options.ServerProject);
        Assert.True(File.Exists(options.Containerfile), options.Containerfile);
        Assert.True(File.Exists(options.ImagePublishProfile), options.ImagePublishProfile);
    }

    [Fact]
    public void A_digest_pins_the_image_reference_and_a_malformed_one_is_refused()
    {
        string digest = "sha256:" + new string('a', 64);
        var pinned = EngulaPublishOptions.From(Config(EngulaPublishOptions.ImageDigestKey, digest));
        Assert.Equal($"ghcr.io/engula/engula:0.2.0@{digest}", pinned.ImageReference);
        Assert.Equal("ghcr.io/engula/engula:0.2.0", EngulaPublishOptions.From(Config(EngulaPublishOptions.ImageDigestKey, null)).ImageReference);
        foreach (var bad in new[] { "sha256:abc", "md5:" + new string('a', 32), "sha256:" + new string('A', 64) })
        {
            var e = Assert.Throws<EngulaPublishException>(() => EngulaPublishOptions.From(Config(EngulaPublishOptions.ImageDigestKey, bad)));
            Assert.Contains("is not an image digest", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>The built AppHost, whose project records where the image is made from.</summary>
    private static System.Reflection.Assembly AppHostAssembly() =>
        System.Reflection.Assembly.LoadFrom(PublishCommand.AppHostDll);
}
