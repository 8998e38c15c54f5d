using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Engula.Client;

/// <summary>
/// A client of one Engula engine's HTTP API (<c>/kv/{key}</c>): get, put and delete with byte and string overloads.
/// Registered by <see cref="EngulaClientExtensions.AddEngulaClient"/> as a typed client of IHttpClientFactory, so
/// it is cheap to resolve and its handlers (service discovery, resilience, telemetry) are shared.
/// </summary>
public sealed class EngulaClient(HttpClient http)
{
    /// <summary>The value of <paramref name="key"/>, or null when the key has none.</summary>
    /// <exception cref="EngulaClientException">The engine refused or could not answer; the exception says how.</exception>
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(Path(key), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await ThrowIfFailedAsync(response, "get", key, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The value of <paramref name="key"/> as UTF-8 text, or null when the key has none.</summary>
    /// <exception cref="EngulaClientException">The engine refused or could not answer.</exception>
    public async Task<string?> GetStringAsync(string key, CancellationToken cancellationToken = default) =>
        await GetAsync(key, cancellationToken).ConfigureAwait(false) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>; returns once the write is durable in the journal.</summary>
    /// <exception cref="EngulaClientException">The write was not acknowledged; <see cref="EngulaClientException.Outcome"/>
    /// says whether it may have been applied.</exception>
    public async Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        using var content = new ReadOnlyMemoryContent(value);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PutAsync(Path(key), content, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, "put", key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> as UTF-8 text.</summary>
    /// <exception cref="EngulaClientException">The write was not acknowledged.</exception>
    public Task PutAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return PutAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken);
    }

    /// <summary>Deletes <paramref name="key"/> (a key without a value is not an error); returns once durable.</summary>
    /// <exception cref="EngulaClientException">The delete was not acknowledged.</exception>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync(Path(key), cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, "delete", key, cancellationToken).ConfigureAwait(false);
    }

    private static string Path(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return "/kv/" + Uri.EscapeDataString(key);
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, string operation, string key, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string reason = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        throw new EngulaClientException(operation, key, response.StatusCode, reason, response.Headers.RetryAfter?.Delta);
    }
}
