using Engula.Protocol.Kernel;
using Engula.Protocol.Metadata;
using Engula.Server.Kernel;
using Engula.Server.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;

namespace Engula.Server.Tests.Kernel;

/// <summary>The kernel's RPC semantics (kernel.proto, with the original's lost-update race and subscriber-less ApplyUpdate failure fixed), run against mem and file manifests.</summary>
public abstract class KernelConformanceTests : ServerSuite
{
    // The conformance tests do not need journal and storage to answer: the kernel serves metadata meanwhile.
    private const string UnreachableJournal = "127.0.0.1:1";
    private const string UnreachableStorage = "dns:///storage.invalid:24569";

    protected abstract string? ManifestFile(string directory);

    protected Protocol.Kernel.Kernel.KernelClient Client => new(Server.Channel);

    protected override WebApplication BuildServer() =>
        KernelServer.Build(Loopback.AnyPort(), new KernelOptions
        {
            ManifestFile = ManifestFile(Scratch),
            JournalFlag = UnreachableJournal,
            StorageFlag = UnreachableStorage,
        });

    [Fact]
    public async Task A_new_kernel_has_an_empty_version_at_sequence_zero()
    {
        var version = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: Ct)).Version;

        Assert.Equal(0ul, version.Sequence);
        Assert.Empty(version.Meta);
        Assert.Empty(version.Objects);
    }

    [Fact]
    public async Task ApplyUpdate_assigns_sequences_ignores_the_clients_and_applies_in_the_original_order()
    {
        var first = new VersionUpdate { Sequence = 77 };
        first.AddMeta.Add("a", ByteString.CopyFromUtf8("1"));
        first.AddMeta.Add("b", ByteString.CopyFromUtf8("2"));
        first.AddObjects.Add(["x", "y", "x"]);
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = first }, cancellationToken: Ct);

        var second = new VersionUpdate { Sequence = 5 };
        second.AddMeta.Add("c", ByteString.CopyFromUtf8("3"));
        second.RemoveMeta.Add("c"); // add then remove of the same key removes it (remove runs after add)
        second.RemoveMeta.Add("a");
        second.AddObjects.Add("z");
        second.RemoveObjects.Add("x"); // first occurrence only
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = second }, cancellationToken: Ct);

        var version = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: Ct)).Version;
        Assert.Equal(2ul, version.Sequence);
        Assert.Equal(["b"], version.Meta.Keys.Order());
        Assert.Equal("2", version.Meta["b"].ToStringUtf8());
        Assert.Equal(["y", "x", "z"], version.Objects);
    }

    [Fact]
    public async Task ApplyUpdate_without_subscribers_succeeds_and_an_absent_update_is_a_no_op()
    {
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = new VersionUpdate() }, cancellationToken: Ct);
        await Client.ApplyUpdateAsync(new ApplyUpdateRequest(), cancellationToken: Ct);

        var version = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: Ct)).Version;
        Assert.Equal(1ul, version.Sequence);
    }

    [Fact]
    public async Task VersionUpdates_replays_what_it_holds_then_tails_without_gap_or_duplicate()
    {
        for (var i = 0; i < 3; i++)
        {
            await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = Named($"o{i}") }, cancellationToken: Ct);
        }

        using var call = Client.VersionUpdates(new VersionUpdatesRequest { Sequence = 1 }, cancellationToken: Ct);
        var writer = Task.Run(async () =>
        {
            for (var i = 3; i < 50; i++)
            {
                await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = Named($"o{i}") }, cancellationToken: Ct);
            }
        }, Ct);

        var received = new List<ulong>();
        while (received.Count < 49 && await call.ResponseStream.MoveNext(Ct))
        {
            var update = call.ResponseStream.Current.VersionUpdate;
            received.Add(update.Sequence);
            Assert.Equal($"o{update.Sequence - 1}", Assert.Single(update.AddObjects));
        }

        await writer;
        Assert.Equal(Enumerable.Range(2, 49).Select(i => (ulong)i), received);
    }

    [Fact]
    public async Task VersionUpdates_from_the_current_sequence_sees_every_later_update_under_concurrent_applies()
    {
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await Client.ApplyUpdateAsync(new ApplyUpdateRequest { VersionUpdate = Named($"w{i}") }, cancellationToken: Ct);
            }
        }, Ct);

        // The original race: an update between CurrentVersion and subscribing was lost.
        var start = (await Client.CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: Ct)).Version.Sequence;
        using var call = Client.VersionUpdates(new VersionUpdatesRequest { Sequence = start }, cancellationToken: Ct);
        await writer;
        var expected = start + 1;
        while (expected <= 200 && await call.ResponseStream.MoveNext(Ct))
        {
            Assert.Equal(expected, call.ResponseStream.Current.VersionUpdate.Sequence);
            expected++;
        }

        Assert.Equal(201ul, expected);
    }

    [Fact]
    public async Task VersionUpdates_ahead_of_the_kernel_is_out_of_range()
    {
        using var call = Client.VersionUpdates(new VersionUpdatesRequest { Sequence = 10 }, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
    }

    [Fact]
    public async Task PlaceLookup_reports_peers_in_the_form_given()
    {
        var place = await Client.PlaceLookupAsync(new PlaceLookupRequest(), cancellationToken: Ct);

        Assert.Equal(UnreachableJournal, place.JournalAddress);
        Assert.Equal(UnreachableStorage, place.StorageAddress);
    }

    protected static VersionUpdate Named(string objectName)
    {
        var update = new VersionUpdate();
        update.AddObjects.Add(objectName);
        return update;
    }
}
