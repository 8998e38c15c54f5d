using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Google.Protobuf;

namespace Engula.Server.Tests.Wire;

/// <summary>
/// metadata.proto and kernel.proto messages against bytes computed by hand from the field numbers of the original v0.2 protocol.
/// Tags: <c>field_number &lt;&lt; 3 | wire_type</c>; varint fields (uint64 sequence) use wire type 0, strings, bytes,
/// messages and map entries wire type 2. A map entry is a nested message {key = 1, value = 2}.
/// </summary>
public sealed class KernelWireGoldenTests
{
    // Version{sequence=300, meta={"k": 0x01}, objects=["1","2"]}
    //   08 AC 02            field 1 varint: 300 = 0b1_0010_1100 → AC 02
    //   12 06               field 2 (map entry), length 6
    //      0A 01 6B         entry field 1 (key): "k"
    //      12 01 01         entry field 2 (value): 0x01
    //   1A 01 31            field 3: "1"
    //   1A 01 32            field 3: "2"
    private const string Version300 = "08 AC 02 12 06 0A 01 6B 12 01 01 1A 01 31 1A 01 32";

    // VersionUpdate{sequence=1, add_meta={"a": ""}, remove_meta=["b"], add_objects=["3"], remove_objects=["4"]}
    //   08 01                       field 1 varint 1
    //   12 03 0A 01 61              field 2 entry: key "a"; empty value omitted inside the entry
    //   1A 01 62                    field 3: "b"
    //   22 01 33                    field 4: "3"
    //   2A 01 34                    field 5: "4"
    private const string Update1 = "08 01 12 03 0A 01 61 1A 01 62 22 01 33 2A 01 34";

    // PlaceLookupResponse{journal_address="j:1", storage_address="s:2"}
    //   0A 03 6A 3A 31              field 1: "j:1"
    //   12 03 73 3A 32              field 2: "s:2"
    private const string Place = "0A 03 6A 3A 31 12 03 73 3A 32";

    // VersionUpdatesRequest{sequence=5}: 08 05
    private const string UpdatesFrom5 = "08 05";

    [Fact]
    public void Version_encodes_as_hand_computed()
    {
        var version = new Protocol.Metadata.Version { Sequence = 300 };
        version.Meta.Add("k", ByteString.CopyFrom(1));
        version.Objects.Add(["1", "2"]);

        Assert.Equal(Hex.Parse(Version300), version.ToByteArray());
        Assert.Equal(version, Protocol.Metadata.Version.Parser.ParseFrom(Hex.Parse(Version300)));
    }

    [Fact]
    public void VersionUpdate_and_its_wrappers_encode_as_hand_computed()
    {
        var update = new VersionUpdate { Sequence = 1 };
        update.AddMeta.Add("a", ByteString.Empty);
        update.RemoveMeta.Add("b");
        update.AddObjects.Add("3");
        update.RemoveObjects.Add("4");

        Assert.Equal(Hex.Parse(Update1), update.ToByteArray());
        // ApplyUpdateRequest{version_update = 1} and VersionUpdatesResponse{version_update = 1}: 0A <len> <message>.
        var wrapped = Hex.Parse("0A 10 " + Update1);
        Assert.Equal(wrapped, new ApplyUpdateRequest { VersionUpdate = update }.ToByteArray());
        Assert.Equal(wrapped, new VersionUpdatesResponse { VersionUpdate = update }.ToByteArray());
    }

    [Fact]
    public void Kernel_requests_and_responses_encode_as_hand_computed()
    {
        Assert.Equal(Hex.Parse(Place), new PlaceLookupResponse { JournalAddress = "j:1", StorageAddress = "s:2" }.ToByteArray());
        Assert.Equal(Hex.Parse(UpdatesFrom5), new VersionUpdatesRequest { Sequence = 5 }.ToByteArray());
        Assert.Empty(new CurrentVersionRequest().ToByteArray());
        Assert.Empty(new PlaceLookupRequest().ToByteArray());
        Assert.Equal(Hex.Parse("0A 00"), new CurrentVersionResponse { Version = new Protocol.Metadata.Version() }.ToByteArray());
    }

    [Fact]
    public void Service_paths_are_the_original_ones()
    {
        Assert.Equal("engula.kernel.v1.Kernel", Protocol.Kernel.Kernel.Descriptor.FullName);
        Assert.Equal(["ApplyUpdate", "CurrentVersion", "VersionUpdates", "PlaceLookup"], Protocol.Kernel.Kernel.Descriptor.Methods.Select(m => m.Name));
        Assert.Equal("engula.journal.v1.Journal", Protocol.Journal.Journal.Descriptor.FullName);
        Assert.Equal("engula.storage.v1.Storage", Protocol.Storage.Storage.Descriptor.FullName);
        Assert.Equal("engula.metadata.v1.Version", Protocol.Metadata.Version.Descriptor.FullName);
    }
}
