using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Publishing.Tests;

/// <summary>
/// Input the publisher must refuse: an invalid image reference (through the real command, which must exit
/// non-zero) and Aspire resource names that are not valid Kubernetes names, wiring that a published cluster cannot
/// express. Every refusal names the culprit and writes nothing: no output directory, no change to an existing one,
/// no staging directory left behind.
/// </summary>
[Collection(InProcessPublishCollection.Name)]
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--Engula:Image=Ghcr.io/Engula/Engula", "'Ghcr.io/Engula/Engula:0.2.0' is not a valid image reference")]
    [InlineData("--Engula:ImageTag=bad tag", "'ghcr.io/engula/engula:bad tag' is not a valid image reference")]
    [InlineData("--Engula:Image=ghcr.io/engula/engula:1.0", "'ghcr.io/engula/engula:1.0:0.2.0' is not a valid image reference")]
    public async Task An_invalid_image_reference_fails_the_publish_command_with_exit_1_and_writes_nothing(string argument, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        string fresh = Path.Combine(_dir, "fresh");
        string existing = Path.Combine(_dir, "existing");
        Assert.Equal(0, (await PublishCommand.RunAsync(existing, [], ct)).ExitCode);
        var before = PublishCommand.ReadTree(existing);

        var intoFresh = await PublishCommand.RunAsync(fresh, [argument], ct);
        var intoExisting = await PublishCommand.RunAsync(existing, [argument], ct);

        foreach (var run in new[] { intoFresh, intoExisting })
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Output}");
            Assert.Contains("Engula Kubernetes publish failed, nothing was written: the Engula cluster cannot be published as Kubernetes manifests: cluster.Components[0].Image: " + expected, run.Output, StringComparison.Ordinal);
            Assert.Contains("(the image is Engula:Image=", run.Output, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(fresh), "a failed publish created the output directory");
        var after = PublishCommand.ReadTree(existing);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
        Assert.Equal(["existing"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--Engula:Kubernetes:TargetVersion=abc", "Engula:Kubernetes:TargetVersion='abc' is not a Kubernetes version")]
    [InlineData("--Engula:Kubernetes:TargetVersion=2.x", "Engula:Kubernetes:TargetVersion='2.x' is not a Kubernetes version")]
    [InlineData("--Engula:Kubernetes:TargetVersion=1.19", "Engula:Kubernetes:TargetVersion='1.19': Kubernetes 1.19 is older than the oldest version the published objects support (1.20)")]
    [InlineData("--Engula:DataVolumePermissions=root", "Engula:DataVolumePermissions='root' is not a way to make the data volumes writable")]
    public async Task An_unreadable_setting_fails_the_publish_command_with_exit_1_naming_the_key_and_writes_nothing(string argument, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        string fresh = Path.Combine(_dir, "fresh");
        string existing = Path.Combine(_dir, "existing");
        Assert.Equal(0, (await PublishCommand.RunAsync(existing, [], ct)).ExitCode);
        var before = PublishCommand.ReadTree(existing);

        var intoFresh = await PublishCommand.RunAsync(fresh, [argument], ct);
        var intoExisting = await PublishCommand.RunAsync(existing, [argument], ct);

        foreach (var run in new[] { intoFresh, intoExisting })
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}:\n{run.Output}");
            Assert.Contains("Engula Kubernetes publish failed, nothing was written: " + expected, run.Output, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(fresh), "a failed publish created the output directory");
        var after = PublishCommand.ReadTree(existing);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
        Assert.Equal(["existing"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    public static TheoryData<string, string> BadNames() => new()
    {
        { "Journal", "cluster.Components[0].Name: 'Journal'" },
        { "journal-" + new string('x', 50), "cluster.Components[0].Name: 'journal-" + new string('x', 50) + "'" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_resource_name_that_is_not_a_Kubernetes_name_fails_with_the_resource_named_and_writes_nothing(string journalName, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var error = await PublishAsync(output, b =>
        {
            var journal = b.AddEngulaJournal(journalName, 24570);
            var storage = b.AddEngulaStorage("storage", 24569);
            b.AddEngulaKernel("kernel", 24567).WithJournal(journal).WithStorage(storage);
        }, ct);

        Assert.StartsWith("the Engula cluster cannot be published as Kubernetes manifests: " + expected, error, StringComparison.Ordinal);
        Assert.Contains($"(Aspire resource '{journalName}': published objects are named after the resource, which must be a lower-case DNS-1035 label of at most 52 characters)", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Two_journals_in_one_app_model_fail_with_both_resources_named()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var error = await PublishAsync(output, b =>
        {
            b.AddEngulaJournal("journal", 24570);
            b.AddEngulaJournal("journal2", 24571);
        }, ct);

        Assert.Equal("resources 'journal' and 'journal2' are both a journal: a published Engula cluster has at most one component of each kind", error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_kernel_without_a_storage_fails_with_the_missing_wiring_named()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var error = await PublishAsync(output, b =>
        {
            var journal = b.AddEngulaJournal("journal", 24570);
            b.AddEngulaStorage("storage", 24569);
            b.AddEngulaKernel("kernel", 24567).WithJournal(journal);
        }, ct);

        Assert.Equal("kernel 'kernel' has no storage (ENGULA_STORAGE is not set to one: wire it with WithStorage)", error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_kernel_whose_journal_is_excluded_from_publish_fails_and_names_it()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var error = await PublishAsync(output, b =>
        {
            var journal = b.AddEngulaJournal("journal", 24570).ExcludeFromManifest();
            var storage = b.AddEngulaStorage("storage", 24569);
            b.AddEngulaKernel("kernel", 24567).WithJournal(journal).WithStorage(storage);
        }, ct);

        Assert.Equal("kernel 'kernel' uses journal 'journal' (ENGULA_JOURNAL), which is not published (excluded from publish or not an Engula journal)", error);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>
    /// Runs the whole publish pipeline in this process on an app model of the test's own (what the AppHost's
    /// <c>Run()</c> does with <c>--operation publish --step publish</c>), and returns the publisher's error as the
    /// console shows it. The step must also have set the process exit code to 1 (reset here: the test host's own).
    /// </summary>
    private static async Task<string> PublishAsync(string output, Action<IDistributedApplicationBuilder> model, CancellationToken ct)
    {
        // A plain builder: publish mode needs neither DCP nor an AppHost project (the testing builder insists on one).
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args =
            [
                "--operation", "publish", "--step", "publish", "--output-path", output,
                // No engula build is needed to describe components for an image (EngulaServerCommand's publish fallback).
                "--Engula:ServerPath=/nonexistent/engula",
            ],
            DisableDashboard = true,
        });
        using var logs = new LogCapture();
        builder.Services.AddLogging(l => l.AddProvider(logs));
        builder.AddEngulaKubernetesPublisher();
        model(builder);
        int exitCode;
        try
        {
            await using var app = builder.Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await app.RunAsync(timeout.Token);
        }
        finally
        {
            exitCode = Environment.ExitCode;
            Environment.ExitCode = 0;
        }

        const string prefix = "Engula Kubernetes publish failed, nothing was written: ";
        var failure = logs.Entries.Where(e => e.Level == LogLevel.Error && e.Message.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(failure.Count == 1, "expected one publisher error, got:\n" + string.Join("\n", logs.Entries.Select(e => $"{e.Level}: {e.Message}")));
        Assert.Equal(1, exitCode);
        return failure[0].Message[prefix.Length..];
    }
}
