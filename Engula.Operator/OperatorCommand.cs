using System.Globalization;
using Engula.Operator.Manifests;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Engula.Operator;

/// <summary>
/// Command line:
/// <c>engula-operator generate-manifests DIR</c> writes the install manifests;
/// <c>engula-operator [--kubeconfig FILE] [--namespace NS] [--http ADDR|none] [--lease-namespace NS] [--identity ID]</c> runs.
/// Without --kubeconfig it uses the in-cluster configuration. Bad arguments: exit 2 and one line on stderr.
/// </summary>
public static class OperatorCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "generate-manifests")
        {
            if (args.Length != 2)
            {
                await Console.Error.WriteLineAsync("usage: engula-operator generate-manifests <directory>");
                return 2;
            }

            InstallManifests.WriteTo(args[1]);
            Console.WriteLine($"wrote {string.Join(", ", InstallManifests.Files().Select(f => f.File))} to {args[1]}");
            return 0;
        }

        string? kubeconfig = null, ns = null, leaseNamespace = null, identity = null, http = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--kubeconfig": kubeconfig = Value(); break;
                case "--namespace": ns = Value(); break;
                case "--lease-namespace": leaseNamespace = Value(); break;
                case "--identity": identity = Value(); break;
                case "--http": http = Value(); break;
                default:
                    await Console.Error.WriteLineAsync($"engula-operator: unknown argument '{args[i]}'");
                    return 2;
            }

            if (args[i] is null)
            {
                await Console.Error.WriteLineAsync($"engula-operator: {args[i - 1]} needs a value");
                return 2;
            }
        }

        bool inCluster = kubeconfig is null;
        var config = inCluster ? KubernetesClientConfiguration.InClusterConfig() : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        using var client = new k8s.Kubernetes(config);
        var options = new OperatorOptions
        {
            Namespace = ns,
            // CONTRACTS §5: the Lease lives in the operator's own namespace in a cluster, in `default` when run locally.
            LeaseNamespace = leaseNamespace ?? (inCluster ? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default" : "default"),
            Identity = identity ?? Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}",
        };

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var host = new OperatorHost(client, options, loggerFactory);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        WebApplication? web = null;
        http ??= inCluster ? "0.0.0.0:8080" : "127.0.0.1:8080";
        if (http != "none")
        {
            web = HealthEndpoints.Build(host, http);
            await web.StartAsync(stop.Token);
        }

        try
        {
            return await host.RunAsync(stop.Token);
        }
        finally
        {
            if (web is not null)
            {
                await web.StopAsync(CancellationToken.None);
                await web.DisposeAsync();
            }
        }
    }
}
