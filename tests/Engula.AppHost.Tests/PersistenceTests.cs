using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Engula.AppHost.Tests;

/// <summary>A file-mode cluster's data outlives the whole app: a second app on the same data directory reads it.</summary>
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
}
