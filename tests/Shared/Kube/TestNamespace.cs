using k8s;

namespace Engula.Testing.Kube;

/// <summary>A namespace owned by one test; disposing it deletes the namespace (and with it everything in it).</summary>
public sealed class TestNamespace(IKubernetes client, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    public async ValueTask DisposeAsync()
    {
        // Deletion completes in the background (the namespace controller runs in kube-controller-manager);
        // nothing waits for it, and later tests use namespaces of their own.
        await client.CoreV1.DeleteNamespaceAsync(Name, cancellationToken: CancellationToken.None);
    }
}
