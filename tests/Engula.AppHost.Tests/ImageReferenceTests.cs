using Engula.Hosting;

namespace Engula.AppHost.Tests;

/// <summary>One parser for image references, used by RunFromImage and the publisher's kustomization.</summary>
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("localhost/engula:0.2.0", "localhost/engula", "0.2.0", null)]
    [InlineData("engula", "engula", null, null)]
    [InlineData("localhost:5000/engula", "localhost:5000/engula", null, null)]
    [InlineData("localhost:5000/team/engula:dev", "localhost:5000/team/engula", "dev", null)]
    [InlineData("ghcr.io/engula/engula:0.2.0@sha256:abc", "ghcr.io/engula/engula", "0.2.0", "sha256:abc")]
    [InlineData("ghcr.io/engula/engula@sha256:abc", "ghcr.io/engula/engula", null, "sha256:abc")]
    public void Splits_name_tag_and_digest(string image, string name, string? tag, string? digest) =>
        Assert.Equal(new ImageReference(name, tag, digest), ImageReference.Parse(image));
}
