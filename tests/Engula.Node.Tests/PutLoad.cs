using System.Collections.Concurrent;
using System.Globalization;

namespace Engula.Node.Tests;

/// <summary>Puts from the test host to the engine pod's address on the node's bridge, re-read from the API after a restart.</summary>
internal sealed class PutLoad(KubeNode node, SampleCluster sample, TimeSpan? timeout = null)
{
    /// <summary>Keys the load cycles through.</summary>
    public const int Keys = 40;

    private readonly HttpClient _http = new() { Timeout = timeout ?? TimeSpan.FromSeconds(5) };
    private long _acknowledged;
    private long _failed;

    public ConcurrentDictionary<string, KeyState> State { get; } = new();

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Failed => Interlocked.Read(ref _failed);

    public async Task RunAsync(CancellationToken ct)
    {
        string? ip = null;
        for (int i = 0; !ct.IsCancellationRequested; i++)
        {
            string key = "k" + (i % Keys).ToString(CultureInfo.InvariantCulture);
            string value = "v" + i.ToString(CultureInfo.InvariantCulture);
            var state = State.GetOrAdd(key, _ => new KeyState());
            state.SentSince.Add(value);
            try
            {
                // The address is read once and kept until a put fails: the pod may then have a new one.
                ip ??= await Pods.IpAsync(node, sample.Namespace, sample.Pod("engine"), ct);
                if (await SendPutAsync(ip, key, value, ct))
                {
                    state.Acknowledge(value);
                    Interlocked.Increment(ref _acknowledged);
                    continue;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or NullReferenceException or k8s.Autorest.HttpOperationException)
            {
                ip = null; // the pod may have a new address (or be between two lives)
                LastFailure = $"{e.GetType().Name}: {e.Message}";
            }

            Interlocked.Increment(ref _failed);
            try
            {
                // Pacing, not synchronisation: a failed put (engine or journal away) is retried after 20 ms
                // instead of spinning.
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>What the last failed put was told (status and body, or the exception), for a test's diagnostics.</summary>
    public string? LastFailure { get; private set; }

    private async Task<bool> SendPutAsync(string ip, string key, string value, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri($"http://{ip}:{SampleCluster.EnginePort}/put?key={key}&value={value}"), ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode && body == "put success")
        {
            return true;
        }

        LastFailure = $"{ip}: {(int)response.StatusCode} {body}";
        return false;
    }

    /// <summary>One put to the engine pod's current address; true when it was acknowledged.</summary>
    public async Task<bool> PutAsync(string key, string value, CancellationToken ct)
    {
        try
        {
            return await SendPutAsync(await Pods.IpAsync(node, sample.Namespace, sample.Pod("engine"), ct), key, value, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or k8s.Autorest.HttpOperationException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        string ip = await Pods.IpAsync(node, sample.Namespace, sample.Pod("engine"), ct);
        using var response = await _http.GetAsync(new Uri($"http://{ip}:{SampleCluster.EnginePort}/get?key={key}"), ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
    }
}

internal sealed class KeyState
{
    public string? LastAcknowledged { get; private set; }

    /// <summary>Values sent since the last acknowledged one (including it).</summary>
    public List<string> SentSince { get; } = [];

    public void Acknowledge(string value)
    {
        LastAcknowledged = value;
        SentSince.Clear();
        SentSince.Add(value);
    }

    /// <summary>Whether a read may see this (null: the key is absent, right only if no put was ever acknowledged).</summary>
    public bool Allowed(string? value) => value is null ? LastAcknowledged is null : SentSince.Contains(value);
}
