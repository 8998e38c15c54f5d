using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;
using Engula.Server.Tests.Wire;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using JournalClient = Engula.Protocol.Journal.Journal.JournalClient;

namespace Engula.Server.Tests.Journal;

/// <summary>
/// File-journal durability and recovery: the server is stopped, its files damaged the way a crash or a bad disk
/// would leave them, and a new server recovers them (format: <see cref="SegmentFormat"/>).
/// </summary>
public sealed class JournalFileRecoveryTests : IDisposable
{
    private const int RecordHeader = SegmentFormat.RecordHeaderSize;
    private readonly TempDirectory _directory = new();

    private string Root => _directory.Path;

    public void Dispose() => _directory.Dispose();

    private async Task<RunningServer> StartAsync(long segmentSize = JournalOptions.DefaultSegmentSize, string? root = null) =>
        await RunningServer.StartAsync(
            JournalServer.Build(Loopback.AnyPort(), new JournalOptions { Directory = root ?? Root, SegmentSize = segmentSize }),
            TestContext.Current.CancellationToken);

    private static JournalClient ClientOf(RunningServer server) => new(server.Channel);

    private static JournalRecoveryStats StatsOf(RunningServer server) => server.Services.GetRequiredService<FileJournalStore>().RecoveryStats;

    private string StreamDirectory(string stream) => Path.Combine(Root, FileJournalStore.StreamsDirectoryName, stream);

    private string[] Segments(string stream, string extension) =>
        Directory.GetFiles(StreamDirectory(stream), "*" + extension).Order(StringComparer.Ordinal).ToArray();

    private string ActiveSegmentFile(string stream) => Assert.Single(Segments(stream, SegmentFormat.ActiveExtension));

    private static string Payload(ulong ts) => $"event-{ts:D3}-" + new string('d', 84);

    private static async Task AppendRange(JournalClient client, string stream, ulong from, ulong to)
    {
        for (var ts = from; ts <= to; ts++)
        {
            await client.Append(stream, ts, Payload(ts));
        }
    }

    /// <summary>Creates <paramref name="stream"/> with the events 1..<paramref name="to"/> and stops the server cleanly.</summary>
    private async Task SeedAsync(string stream, ulong to)
    {
        await using var server = await StartAsync();
        await ClientOf(server).Create(stream);
        await AppendRange(ClientOf(server), stream, 1, to);
    }

    private static IEnumerable<(ulong, string)> Expected(ulong from, ulong to)
    {
        for (var ts = from; ts <= to; ts++)
        {
            yield return (ts, Payload(ts));
        }
    }

    [Fact]
    public async Task The_root_directory_is_created_when_missing()
    {
        var root = Path.Combine(Root, "not", "there", "yet");
        await using (var server = await StartAsync(root: root))
        {
            await ClientOf(server).Create("s");
            await ClientOf(server).Append("s", 1, "x");
        }

        Assert.True(Directory.Exists(Path.Combine(root, FileJournalStore.StreamsDirectoryName, "s")));
    }

    [Fact]
    public async Task A_record_torn_in_the_middle_is_truncated_and_appends_continue()
    {
        await SeedAsync("s", 5);

        var active = ActiveSegmentFile("s");
        var length = new FileInfo(active).Length;
        var lastRecord = RecordHeader + Payload(5).Length;
        using (var file = new FileStream(active, FileMode.Open))
        {
            file.SetLength(length - (lastRecord / 2));
        }

        await using (var server = await StartAsync())
        {
            var client = ClientOf(server);
            Assert.Equal(1, StatsOf(server).TornTails);
            Assert.Equal(Expected(1, 4), await client.Read("s", 0));
            Assert.Equal(length - lastRecord, new FileInfo(active).Length);

            // The torn event was never acknowledged as far as the disk knows: its timestamp is free again.
            await client.Append("s", 5, Payload(5));
            await AppendRange(client, "s", 6, 7);
            Assert.Equal(Expected(1, 7), await client.Read("s", 0));
        }

        await using (var server = await StartAsync())
        {
            Assert.Equal(0, StatsOf(server).TornTails);
            Assert.Equal(Expected(1, 7), await ClientOf(server).Read("s", 0));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(300)]
    public async Task Garbage_after_the_last_record_is_truncated(int garbageBytes)
    {
        await SeedAsync("s", 3);

        var active = ActiveSegmentFile("s");
        var length = new FileInfo(active).Length;
        var garbage = new byte[garbageBytes];
        new Random(garbageBytes).NextBytes(garbage);
        using (var file = new FileStream(active, FileMode.Append))
        {
            file.Write(garbage);
        }

        await using var restarted = await StartAsync();
        Assert.Equal(1, StatsOf(restarted).TornTails);
        Assert.Equal(length, new FileInfo(active).Length);
        Assert.Equal(Expected(1, 3), await ClientOf(restarted).Read("s", 0));
        await AppendRange(ClientOf(restarted), "s", 4, 4);
        Assert.Equal(Expected(1, 4), await ClientOf(restarted).Read("s", 0));
    }

    [Fact]
    public async Task Zeros_are_written_ahead_of_the_records_and_a_clean_stop_trims_them()
    {
        var recordsEnd = SegmentFormat.HeaderSize + (3 * (RecordHeader + Payload(1).Length));
        await using (var server = await StartAsync())
        {
            await ClientOf(server).Create("s");
            await AppendRange(ClientOf(server), "s", 1, 3);

            var bytes = ReadWhileOpen(ActiveSegmentFile("s"));
            Assert.True(bytes.Length > recordsEnd, $"no zeros written ahead: the file ends at {bytes.Length}");
            Assert.False(bytes.AsSpan(recordsEnd).ContainsAnyExcept((byte)0), "the bytes after the records are not all zero");
        }

        Assert.Equal(recordsEnd, new FileInfo(ActiveSegmentFile("s")).Length);
        await using var restarted = await StartAsync();
        Assert.Equal(0, StatsOf(restarted).TornTails);
        Assert.Equal(Expected(1, 3), await ClientOf(restarted).Read("s", 0));
    }

    [Fact]
    public async Task A_zero_tail_left_by_a_crash_ends_the_records_without_counting_as_torn()
    {
        await SeedAsync("s", 3);

        // What a SIGKILL leaves behind: the records, then the zeros written ahead of them.
        var active = ActiveSegmentFile("s");
        var withZeros = new FileInfo(active).Length + (64 * 1024);
        using (var file = new FileStream(active, FileMode.Open))
        {
            file.SetLength(withZeros);
        }

        await using (var server = await StartAsync())
        {
            var client = ClientOf(server);
            Assert.Equal(0, StatsOf(server).TornTails);
            Assert.Equal(Expected(1, 3), await client.Read("s", 0));
            Assert.True(new FileInfo(active).Length >= withZeros, "recovery dropped the zeros instead of writing over them");

            await AppendRange(client, "s", 4, 6);
            Assert.Equal(Expected(1, 6), await client.Read("s", 0));
        }

        await using var again = await StartAsync();
        Assert.Equal(0, StatsOf(again).TornTails);
        Assert.Equal(Expected(1, 6), await ClientOf(again).Read("s", 0));
    }

    [Fact]
    public async Task A_torn_record_before_zeros_is_truncated_with_them()
    {
        await SeedAsync("s", 3);

        var active = ActiveSegmentFile("s");
        var length = new FileInfo(active).Length;
        var torn = new byte[RecordHeader + Payload(4).Length];
        SegmentFormat.EncodeRecordHeader(torn, 4, System.Text.Encoding.UTF8.GetBytes(Payload(4)));
        using (var file = new FileStream(active, FileMode.Append))
        {
            file.Write(torn.AsSpan(0, RecordHeader + 10)); // the header and a little of the data reached the disk
            file.Write(new byte[4096]);
        }

        await using var restarted = await StartAsync();
        Assert.Equal(1, StatsOf(restarted).TornTails);
        Assert.Equal(length, new FileInfo(active).Length);
        Assert.Equal(Expected(1, 3), await ClientOf(restarted).Read("s", 0));
    }

    private static byte[] ReadWhileOpen(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_flipped_bit_in_the_last_record_fails_its_checksum_and_is_truncated()
    {
        await SeedAsync("s", 3);

        var active = ActiveSegmentFile("s");
        var bytes = File.ReadAllBytes(active);
        bytes[^10] ^= 0x04;
        File.WriteAllBytes(active, bytes);

        await using var restarted = await StartAsync();
        Assert.Equal(1, StatsOf(restarted).TornTails);
        Assert.Equal(Expected(1, 2), await ClientOf(restarted).Read("s", 0));
    }

    [Fact]
    public async Task Segments_roll_at_the_segment_size_and_release_deletes_whole_sealed_segments()
    {
        const long segmentSize = 1024;
        await using var server = await StartAsync(segmentSize);
        var client = ClientOf(server);
        await client.Create("s");
        await AppendRange(client, "s", 1, 60);

        var sealedFiles = Segments("s", SegmentFormat.SealedExtension);
        Assert.True(sealedFiles.Length >= 5, $"{sealedFiles.Length} sealed segments");
        Assert.All(sealedFiles, f => Assert.Matches(@"^\d{20}\.sealed$", Path.GetFileName(f)));
        Assert.Matches(@"^\d{20}\.active$", Path.GetFileName(ActiveSegmentFile("s")));

        // A segment overshoots the size by at most one record (and the footer when sealed).
        var record = RecordHeader + Payload(1).Length;
        Assert.All(sealedFiles, f => Assert.InRange(new FileInfo(f).Length, segmentSize, segmentSize + record + SegmentFormat.FooterSize));
        Assert.Equal(Expected(1, 60), await client.Read("s", 0));

        await client.Release("s", 30);

        var remaining = Segments("s", SegmentFormat.SealedExtension);
        Assert.True(remaining.Length < sealedFiles.Length, "release deleted no segment");
        Assert.All(sealedFiles.Except(remaining), f => Assert.False(File.Exists(f)));
        var afterRelease = await client.Read("s", 0);
        Assert.Equal(Expected(afterRelease[0].Ts, 60), afterRelease);
        Assert.InRange(afterRelease[0].Ts, 2UL, 30UL);
        Assert.Equal(Expected(30, 60), await client.Read("s", 30));

        await client.Release("s", 61);
        Assert.Empty(Segments("s", SegmentFormat.SealedExtension));
        Assert.Single(Segments("s", SegmentFormat.ActiveExtension));
    }

    [Fact]
    public async Task Timestamps_stay_increasing_after_release_and_restart()
    {
        // Each record is 16 + 96 bytes: with this size the 10th append fills the segment and rolls it, so the active
        // segment is empty and releasing deletes every event.
        var segmentSize = SegmentFormat.HeaderSize + (10 * (RecordHeader + Payload(1).Length));
        await using (var server = await StartAsync(segmentSize))
        {
            var client = ClientOf(server);
            await client.Create("s");
            await AppendRange(client, "s", 1, 10);
            await client.Release("s", 11);
            Assert.Empty(Segments("s", SegmentFormat.SealedExtension));
            Assert.Empty(await client.ReadMessages("s", 0));
        }

        await using (var server = await StartAsync(segmentSize))
        {
            var client = ClientOf(server);
            await RpcAssert.Status(StatusCode.InvalidArgument, () => client.Append("s", 10, "again"));
            await RpcAssert.Status(StatusCode.InvalidArgument, () => client.Append("s", 1, "again"));
            await client.Append("s", 11, Payload(11));
            Assert.Equal(Expected(11, 11), await client.Read("s", 0));
        }
    }

    [Fact]
    public async Task A_seal_interrupted_before_its_rename_is_completed_at_recovery()
    {
        var segmentSize = SegmentFormat.HeaderSize + (5 * (RecordHeader + Payload(1).Length));
        await using (var server = await StartAsync(segmentSize))
        {
            await ClientOf(server).Create("s");
            await AppendRange(ClientOf(server), "s", 1, 10);
        }

        // State after a crash between "footer written and fsynced" and "rename": the newest segment is still named
        // active (with its footer) and its successor was never created.
        var sealedFiles = Segments("s", SegmentFormat.SealedExtension);
        Assert.Equal(2, sealedFiles.Length);
        File.Delete(ActiveSegmentFile("s"));
        File.Move(sealedFiles[^1], Path.ChangeExtension(sealedFiles[^1], SegmentFormat.ActiveExtension));

        await using (var server = await StartAsync(segmentSize))
        {
            var client = ClientOf(server);
            Assert.Equal(0, StatsOf(server).TornTails);
            Assert.Equal(sealedFiles, Segments("s", SegmentFormat.SealedExtension));
            Assert.Equal(Expected(1, 10), await client.Read("s", 0));
            await RpcAssert.Status(StatusCode.InvalidArgument, () => client.Append("s", 10, "again"));
            await AppendRange(client, "s", 11, 12);
            Assert.Equal(Expected(1, 12), await client.Read("s", 0));
        }
    }

    [Fact]
    public async Task Leftover_staging_entries_are_removed_at_start_up()
    {
        await using (var server = await StartAsync())
        {
            await ClientOf(server).Create("kept");
        }

        var temp = Path.Combine(Root, FileJournalStore.TempDirectoryName);
        Directory.CreateDirectory(Path.Combine(temp, "create-interrupted"));
        await File.WriteAllTextAsync(Path.Combine(temp, "create-interrupted", "x"), "partial", TestContext.Current.CancellationToken);

        await using var restarted = await StartAsync();
        Assert.Equal(1, StatsOf(restarted).TempEntriesRemoved);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
        Assert.Equal(1, StatsOf(restarted).Streams);
        await ClientOf(restarted).Append("kept", 1, "x");
    }

    [Fact]
    public async Task A_damaged_sealed_segment_disables_only_its_own_stream()
    {
        var segmentSize = SegmentFormat.HeaderSize + (3 * (RecordHeader + Payload(1).Length));
        await using (var server = await StartAsync(segmentSize))
        {
            await ClientOf(server).Create("bad");
            await ClientOf(server).Create("good");
            await AppendRange(ClientOf(server), "bad", 1, 7);
            await AppendRange(ClientOf(server), "good", 1, 2);
        }

        var victim = Segments("bad", SegmentFormat.SealedExtension)[0];
        using (var file = new FileStream(victim, FileMode.Open))
        {
            file.SetLength(file.Length - 1);
        }

        await using var restarted = await StartAsync(segmentSize);
        var client = ClientOf(restarted);
        var error = await RpcAssert.Status(StatusCode.Unknown, () => client.Append("bad", 8, "x"));
        Assert.Contains("unusable", error.Status.Detail, StringComparison.Ordinal);
        await RpcAssert.Status(StatusCode.Unknown, () => client.ReadMessages("bad", 0));
        Assert.Equal(Expected(1, 2), await client.Read("good", 0));

        await client.Delete("bad");
        await client.Create("bad");
        await client.Append("bad", 1, Payload(1));
        Assert.Equal(Expected(1, 1), await client.Read("bad", 0));
    }

    [Fact]
    public async Task A_corrupt_record_in_a_sealed_segment_fails_the_read_with_unknown()
    {
        var segmentSize = SegmentFormat.HeaderSize + (3 * (RecordHeader + Payload(1).Length));
        await using (var server = await StartAsync(segmentSize))
        {
            await ClientOf(server).Create("s");
            await AppendRange(ClientOf(server), "s", 1, 4);
        }

        var first = Segments("s", SegmentFormat.SealedExtension)[0];
        var bytes = File.ReadAllBytes(first);
        bytes[SegmentFormat.HeaderSize + RecordHeader + 3] ^= 0xFF;
        File.WriteAllBytes(first, bytes);

        await using var restarted = await StartAsync(segmentSize);
        var error = await RpcAssert.Status(StatusCode.Unknown, () => ClientOf(restarted).ReadMessages("s", 0));
        Assert.Contains("checksum", error.Status.Detail, StringComparison.Ordinal);

        // Events after the damaged segment are still readable, and the stream still takes appends.
        Assert.Equal(Expected(4, 4), await ClientOf(restarted).Read("s", 4));
        await ClientOf(restarted).Append("s", 5, Payload(5));
    }
}
