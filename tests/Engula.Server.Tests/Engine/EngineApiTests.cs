using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Engula.Protocol.Kernel;
using Engula.Server.Tests.Infrastructure;

namespace Engula.Server.Tests.Engine;

/// <summary>The engine's HTTP API (README.md) and its recovery, over real gRPC to in-process journal, storage and kernel.</summary>
public sealed class EngineApiTests : IAsyncLifetime
{
    private InProcessCluster _cluster = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await InProcessCluster.StartAsync(Ct);
        await StartEngineAsync(flushThreshold: 4096);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task StartEngineAsync(long flushThreshold)
    {
        var engine = await _cluster.StartEngineAsync(flushThreshold, Ct, maxValueBytes: 64 * 1024);
        _http?.Dispose();
        _http = new HttpClient { BaseAddress = new Uri($"http://{engine.Address}") };
    }

    [Fact]
    public async Task Put_then_get_answers_exactly_as_the_original_README()
    {
        var put = await _http.GetAsync("/put?key=1&value=111", Ct);
        var get = await _http.GetAsync("/get?key=1", Ct);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("put success", await put.Content.ReadAsStringAsync(Ct));
        Assert.Equal("text/plain; charset=utf-8", put.Content.Headers.ContentType!.ToString());
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("111", await get.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_missing_key_is_404_with_an_empty_body()
    {
        var get = await _http.GetAsync("/get?key=absent", Ct);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Empty(await get.Content.ReadAsByteArrayAsync(Ct));
    }

    [Theory]
    [InlineData("/put?value=1", HttpStatusCode.BadRequest)]
    [InlineData("/put?key=&value=1", HttpStatusCode.BadRequest)]
    [InlineData("/put?key=1", HttpStatusCode.BadRequest)]
    [InlineData("/get", HttpStatusCode.BadRequest)]
    [InlineData("/get?key=", HttpStatusCode.BadRequest)]
    public async Task Missing_parameters_are_400_with_a_one_line_reason(string path, HttpStatusCode expected)
    {
        var response = await _http.GetAsync(path, Ct);

        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.NotEmpty(body);
        Assert.DoesNotContain('\n', body);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_original_routes_match_like_endpoints_and_answer_only_GET()
    {
        Assert.Equal("put success", await _http.GetStringAsync("/PUT/?key=r&value=route", Ct));
        Assert.Equal("route", await _http.GetStringAsync("/Get?key=r", Ct));

        var post = await _http.PostAsync("/put?key=r&value=other", new StringContent(""), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Contains("GET", post.Content.Headers.Allow);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.DeleteAsync("/get?key=r", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/puts?key=r&value=x", Ct)).StatusCode);
        Assert.Equal("route", await _http.GetStringAsync("/get?key=r", Ct));
    }

    [Fact]
    public async Task Request_metrics_of_the_original_routes_carry_their_route()
    {
        var routes = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var bothMeasured = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "http.route" && tag.Value is string route && routes.TryAdd(route, true)
                    && routes.ContainsKey("/put") && routes.ContainsKey("/get"))
                {
                    bothMeasured.TrySetResult();
                }
            }
        });
        listener.Start();

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/put?key=m&value=1", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/get?key=m", Ct)).StatusCode);

        // The duration is recorded as the request ends, after the client may already have the response.
        await bothMeasured.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task The_original_routes_are_answered_without_a_route_match()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/put?key=rm&value=1", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/get?key=rm", Ct)).StatusCode);

        // Routing counts every match attempt; by default it runs ahead of all middleware, and /put and /get would show
        // up here as failed matches. The scrape itself is routed, so the series exists either way.
        var metrics = await _http.GetStringAsync("/metrics", Ct);
        Assert.Contains("aspnetcore_routing_match_attempts_total", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_routing_match_status=\"failure\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kestrel_buffer_pool_is_measured_by_growth_not_per_rent()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/put?key=mp&value=1", Ct)).StatusCode);

        var metrics = await _http.GetStringAsync("/metrics", Ct);
        Assert.Contains("aspnetcore_memory_pool_allocated", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_memory_pool_rented", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_memory_pool_pooled", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_keys_and_values_are_413_and_nothing_is_stored()
    {
        var longKey = new string('k', 1025);
        var keyResponse = await _http.GetAsync($"/put?key={longKey}&value=1", Ct);
        var valueResponse = await _http.PutAsync("/kv/big", new ByteArrayContent(new byte[64 * 1024 + 1]), Ct);
        var chunked = new StreamContent(new MemoryStream(new byte[200 * 1024]));
        var chunkedResponse = await _http.PutAsync("/kv/big2", chunked, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, keyResponse.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, valueResponse.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/kv/big", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/kv/big2", Ct)).StatusCode);
    }

    [Fact]
    public async Task Kv_put_get_delete_with_binary_values()
    {
        var value = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();

        Assert.Equal(HttpStatusCode.NoContent, (await _http.PutAsync("/kv/bin", new ByteArrayContent(value), Ct)).StatusCode);
        var get = await _http.GetAsync("/kv/bin", Ct);
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(value, await get.Content.ReadAsByteArrayAsync(Ct));

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync("/kv/bin", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync("/kv/never-existed", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/kv/bin", Ct)).StatusCode);
    }

    [Fact]
    public async Task Data_flushed_to_tables_and_still_in_the_journal_is_recovered_with_deletes()
    {
        // 4 KiB flush threshold: hundreds of puts make several tables; the tail stays in the journal.
        for (var i = 0; i < 400; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/put?key=k{i}&value=v{i}-{new string('x', 40)}", Ct)).StatusCode);
        }

        for (var i = 0; i < 400; i += 7)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/kv/k{i}", Ct)).StatusCode);
        }

        var before = await CurrentVersionAsync();
        Assert.True(before.Objects.Count >= 2, $"expected several tables, got {before.Objects.Count}");

        await StartEngineAsync(flushThreshold: 4096);

        for (var i = 0; i < 400; i++)
        {
            var response = await _http.GetAsync($"/get?key=k{i}", Ct);
            if (i % 7 == 0)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
            else
            {
                Assert.Equal($"v{i}-{new string('x', 40)}", await response.Content.ReadAsStringAsync(Ct));
            }
        }
    }

    [Fact]
    public async Task After_a_restart_new_tables_never_reuse_an_object_name()
    {
        for (var i = 0; i < 150; i++)
        {
            await _http.GetAsync($"/put?key=a{i}&value={new string('y', 60)}", Ct);
        }

        await StartEngineAsync(flushThreshold: 4096);
        for (var i = 0; i < 150; i++)
        {
            await _http.GetAsync($"/put?key=b{i}&value={new string('z', 60)}", Ct);
        }

        // Wait for the flushes the second batch triggered to land in the manifest (no time-based sleep).
        var version = await WaitForVersionAsync(v => v.Objects.Count >= 4);
        Assert.Equal(version.Objects.Count, version.Objects.Distinct().Count());
        var numbers = version.Objects.Select(o => ulong.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Max(), version.Meta["last_object_number"].Span.ToArray().Aggregate(0ul, (a, b) => (a << 8) | b));
    }

    [Fact]
    public async Task A_failing_flush_turns_health_unhealthy_and_recovers_when_storage_returns()
    {
        await _cluster.StopStorageAsync();
        for (var i = 0; i < 100; i++)
        {
            // Puts still succeed: they only need the journal.
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/put?key=f{i}&value={new string('w', 80)}", Ct)).StatusCode);
        }

        await WaitForHealthAsync(HttpStatusCode.ServiceUnavailable);
        await _cluster.RestartStorageAsync(Ct);
        await WaitForHealthAsync(HttpStatusCode.OK);
        Assert.Equal(new string('w', 80), await _http.GetStringAsync("/get?key=f99", Ct));
    }

    private async Task WaitForHealthAsync(HttpStatusCode expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while ((await _http.GetAsync("/health", timeout.Token)).StatusCode != expected)
        {
            await poll.WaitForNextTickAsync(timeout.Token);
        }
    }

    private async Task<Protocol.Metadata.Version> CurrentVersionAsync() =>
        (await new Protocol.Kernel.Kernel.KernelClient(_cluster.Kernel.Channel).CurrentVersionAsync(new CurrentVersionRequest(), cancellationToken: Ct)).Version;

    private async Task<Protocol.Metadata.Version> WaitForVersionAsync(Func<Protocol.Metadata.Version, bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var version = await CurrentVersionAsync();
        while (!condition(version))
        {
            await poll.WaitForNextTickAsync(timeout.Token);
            version = await CurrentVersionAsync();
        }

        return version;
    }
}
