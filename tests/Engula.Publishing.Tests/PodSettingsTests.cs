using Aspire.Hosting;
using Engula.Kubernetes;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Publishing.Tests;

/// <summary>
/// <c>WithKubernetesPodSettings</c> through the whole publish pipeline: the settings reach the published
/// StatefulSet of that component only, and a setting the builders refuse fails the publish naming the field.
/// </summary>
[Collection(InProcessPublishCollection.Name)]
public sealed class PodSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engula-publish-pod-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Pod_settings_of_a_resource_reach_its_published_StatefulSet_only()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var (exitCode, logs) = await PublishAsync(output, b =>
        {
            var journal = b.AddEngulaJournal("journal", 24570).WithKubernetesPodSettings(new EngulaPodSettings
            {
                NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
                Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "engula", Effect = "NoSchedule" }],
                TopologySpreadConstraints = [new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule" }],
                PriorityClassName = "engula-data",
                Labels = new Dictionary<string, string> { ["team"] = "data" },
                Annotations = new Dictionary<string, string> { ["example.com/backup"] = "daily" },
            });
            var storage = b.AddEngulaStorage("storage", 24569);
            b.AddEngulaKernel("kernel", 24567).WithJournal(journal).WithStorage(storage);
        }, ct);

        Assert.True(exitCode == 0, logs);
        var sets = PublishCommand.LoadObjects(output).OfType<V1StatefulSet>().ToDictionary(s => s.Metadata.Name);
        var journalSet = sets["journal"];
        var pod = journalSet.Spec.Template;
        Assert.Equal("ssd", pod.Spec.NodeSelector["disk"]);
        Assert.Equal("engula", Assert.Single(pod.Spec.Tolerations).Value);
        Assert.Equal(journalSet.Spec.Selector.MatchLabels, Assert.Single(pod.Spec.TopologySpreadConstraints).LabelSelector.MatchLabels);
        Assert.Equal("engula-data", pod.Spec.PriorityClassName);
        Assert.Equal("data", pod.Metadata.Labels["team"]);
        Assert.Equal("daily", pod.Metadata.Annotations["example.com/backup"]);

        foreach (var other in new[] { sets["storage"], sets["kernel"] })
        {
            Assert.Null(other.Spec.Template.Spec.NodeSelector);
            Assert.Null(other.Spec.Template.Spec.Tolerations);
            Assert.Null(other.Spec.Template.Spec.PriorityClassName);
            Assert.False(other.Spec.Template.Metadata.Labels.ContainsKey("team"));
        }
    }

    [Fact]
    public async Task A_pod_setting_the_builders_refuse_fails_the_publish_naming_the_field_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        string output = Path.Combine(_dir, "out");

        var (exitCode, logs) = await PublishAsync(output, b =>
            b.AddEngulaJournal("journal", 24570).WithKubernetesPodSettings(new EngulaPodSettings
            {
                Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Exists", Value = "engula" }],
            }), ct);

        Assert.Equal(1, exitCode);
        Assert.Contains("cluster.Components[0].Pod.Tolerations[0].Value: the operator Exists takes no value", logs, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>The publish pipeline in this process on the test's own app model; the exit code it set and its log.</summary>
    private static async Task<(int ExitCode, string Logs)> PublishAsync(string output, Action<IDistributedApplicationBuilder> model, CancellationToken ct)
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = ["--operation", "publish", "--step", "publish", "--output-path", output, "--Engula:ServerPath=/nonexistent/engula"],
            DisableDashboard = true,
        });
        using var logs = new LogCapture();
        builder.Services.AddLogging(l => l.AddProvider(logs));
        builder.AddEngulaKubernetesPublisher();
        model(builder);
        try
        {
            await using var app = builder.Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await app.RunAsync(timeout.Token);
            return (Environment.ExitCode, string.Join("\n", logs.Entries.Select(e => $"{e.Level}: {e.Message}")));
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }
}
