using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Engula.AppHost.Tests;

/// <summary>A file-mode cluster's data outlives the whole app: a second app on the same data directory reads it; the
/// dashboard's <c>Wipe data</c> removes it again, but only from a stopped component.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task DataOfAFileModeClusterSurvivesARestartOfTheWholeApp()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(6));
        var ct = cts.Token;
        var root = Path.Combine(Path.GetTempPath(), "engula-apphost-tests", Guid.NewGuid().ToString("N"));
        string[] args = [$"--Engula:DataDirectory={root}"];

        // A small memtable makes the engine flush tables to storage and versions to the kernel's manifest,
        // so recovery reads all three components' files, not only the journal.
        static void SmallMemtable(IDistributedApplicationTestingBuilder builder) =>
            builder.CreateResourceBuilder<EngulaEngineResource>("engine").WithArgs("--flush-threshold", "4096");

        var expected = new Dictionary<string, string>();
        try
        {
            await using (var first = await EngulaTestApp.StartAsync(args, SmallMemtable, ct))
            {
                for (var i = 0; i < 200; i++)
                {
                    var key = $"key-{i:D4}";
                    var value = $"value-{i}-{new string('x', 40)}";
                    using var put = await first.PutAsync(key, value, ct);
                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                    expected[key] = value;
                }

                // Overwrite some: the newest value must win after recovery.
                for (var i = 0; i < 200; i += 17)
                {
                    var key = $"key-{i:D4}";
                    using var put = await first.PutAsync(key, "overwritten", ct);
                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                    expected[key] = "overwritten";
                }
            }

            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(root, "journal"), "*", SearchOption.AllDirectories));
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(root, "storage"), "*", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(root, "kernel", EngulaKernelResource.ManifestFileName)), "the kernel wrote its manifest file");

            await using var second = await EngulaTestApp.StartAsync(args, SmallMemtable, ct);
            foreach (var (key, value) in expected)
            {
                using var get = await second.GetAsync(key, ct);
                Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                Assert.Equal(value, await get.Content.ReadAsStringAsync(ct));
            }
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Wipe_data_is_refused_while_running_and_wiping_the_stopped_cluster_starts_it_empty()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(6));
        var ct = cts.Token;
        var root = Path.Combine(Path.GetTempPath(), "engula-apphost-tests", Guid.NewGuid().ToString("N"));
        string[] data = ["journal", "storage", "kernel"];
        try
        {
            await using var app = await EngulaTestApp.StartAsync([$"--Engula:DataDirectory={root}"], null, ct);
            using (var put = await app.PutAsync("before-wipe", "v", ct))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            var refused = await app.App.ResourceCommands.ExecuteCommandAsync("journal", "engula-wipe-data", ct);
            Assert.False(refused.Success);
            Assert.Contains("stop it first", refused.Message, StringComparison.Ordinal);
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(root, "journal"), "*", SearchOption.AllDirectories));

            // The engine first: it holds the acknowledged puts in its memtable and would write them again.
            foreach (var name in new[] { "engine", "kernel", "storage", "journal" })
            {
                var stop = await app.App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand, ct);
                Assert.True(stop.Success, stop.Message);
                await app.App.ResourceNotifications.WaitForResourceAsync(name, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
            }

            foreach (var name in data)
            {
                var wipe = await app.App.ResourceCommands.ExecuteCommandAsync(name, "engula-wipe-data", ct);
                Assert.True(wipe.Success, wipe.Message);
                Assert.StartsWith($"wiped {name}: deleted ", wipe.Message, StringComparison.Ordinal);
                Assert.True(Directory.Exists(Path.Combine(root, name)), "the directory itself stays");
                Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, name)));
            }

            foreach (var name in new[] { "journal", "storage", "kernel", "engine" })
            {
                var start = await app.App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, ct);
                Assert.True(start.Success, start.Message);
            }

            foreach (var name in EngulaTestApp.Components)
            {
                await app.App.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
            }

            using (var gone = await app.GetAsync("before-wipe", ct))
            {
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            }

            using var after = await app.PutAsync("after-wipe", "w", ct);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
