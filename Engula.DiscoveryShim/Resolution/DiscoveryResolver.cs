using System.Diagnostics;
using Engula.DiscoveryShim.Telemetry;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Resolution;

/// <summary>
/// The grpc-dotnet resolver behind every Engula channel. One background loop per channel resolves
/// <list type="bullet">
/// <item>when the channel starts, and whenever the balancer asks (<see cref="Refresh"/>: grpc-dotnet's balancers
/// do so each time a subchannel fails or loses its connection);</item>
/// <item>every <see cref="EngulaChannelOptions.RefreshInterval"/>, so a scale-up is followed without any failure;
/// after an empty or failed answer sooner (floor × 2ⁿ, capped by the interval), so a Service scaled back up
/// from zero is seen quickly;</item>
/// <item>never twice within <see cref="EngulaChannelOptions.MinResolveInterval"/>: requests inside the floor are
/// coalesced into one query at its end (grpc-dotnet's own <c>dns:</c> resolver drops them for 15 s instead, and
/// <c>PollingResolver</c> has no floor at all).</item>
/// </list>
/// An empty answer is delivered as an empty address list (the <see cref="Balancing.DiscoveryLoadBalancer"/> then
/// drops every subchannel); a failed lookup as a resolver error, which the balancer ignores while it has a ready
/// endpoint, so a DNS hiccup never takes working connections away.
/// </summary>
internal sealed class DiscoveryResolver : Resolver
{
    private static readonly BalancerAttributesKey<string> HostOverrideKey = new("HostOverride");

    private readonly PeerAddress _target;
    private readonly IEndpointLookup _lookup;
    private readonly EngulaChannelOptions _options;
    private readonly DiscoveryMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly bool _periodic;
    private Action<ResolverResult>? _listener;
    private int _refreshRequested;
    private IReadOnlyList<ResolvedEndpoint>? _last;

    public DiscoveryResolver(PeerAddress target, IEndpointLookup lookup, EngulaChannelOptions options, DiscoveryMetrics metrics, ILogger logger)
    {
        _target = target;
        _lookup = lookup;
        _options = options;
        _metrics = metrics;
        _logger = logger;

        // An IP literal never changes; everything else is looked up again periodically.
        _periodic = target.Kind == PeerAddressKind.Srv || !target.IsIpLiteral;
    }

    public override void Start(Action<ResolverResult> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
        {
            throw new InvalidOperationException("Resolver has already been started.");
        }

        _ = Task.Run(() => RunAsync(_stop.Token));
    }

    public override void Refresh()
    {
        if (Interlocked.Exchange(ref _refreshRequested, 1) == 0)
        {
            _wake.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
        }

        base.Dispose(disposing);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        long? lastStart = null;
        TimeSpan? nextIn = null;
        var unsuccessful = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(nextIn ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);

                if (lastStart is { } started && Stopwatch.GetElapsedTime(started) is var since && since < _options.MinResolveInterval)
                {
                    var delay = _options.MinResolveInterval - since;
                    DiscoveryLog.ResolutionDeferred(_logger, _target.Original, delay);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }

                // Drain, then clear: a Refresh() after this point wakes the next round; one before it is served
                // by the lookup that starts now.
                while (_wake.Wait(0))
                {
                }

                Volatile.Write(ref _refreshRequested, 0);
                lastStart = Stopwatch.GetTimestamp();
                var result = await _lookup.LookupAsync(_target, cancellationToken).ConfigureAwait(false);
                Deliver(result);

                if (result.Outcome == LookupOutcome.Addresses)
                {
                    unsuccessful = 0;
                    nextIn = _periodic ? _options.RefreshInterval : null;
                }
                else
                {
                    unsuccessful++;
                    var floor = _options.MinResolveInterval > TimeSpan.FromMilliseconds(250) ? _options.MinResolveInterval : TimeSpan.FromMilliseconds(250);
                    var backoff = floor * Math.Pow(2, Math.Min(unsuccessful - 1, 16));
                    nextIn = backoff < _options.RefreshInterval ? backoff : _options.RefreshInterval;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Channel disposed.
        }
    }

    private void Deliver(LookupResult result)
    {
        var target = _target.Original;
        switch (result.Outcome)
        {
            case LookupOutcome.Addresses:
                _metrics.Resolved(target, "addresses");
                if (_last is null || !_last.SequenceEqual(result.Endpoints))
                {
                    var text = string.Join(", ", result.Endpoints);
                    if (_last is { Count: 0 })
                    {
                        DiscoveryLog.EndpointsBack(_logger, target, result.Endpoints.Count, text);
                    }
                    else
                    {
                        DiscoveryLog.EndpointsChanged(_logger, target, result.Endpoints.Count, text);
                    }

                    _metrics.EndpointsChanged(target, _last?.Count ?? 0, result.Endpoints.Count);
                    _last = result.Endpoints;
                }

                Publish(ResolverResult.ForResult(result.Endpoints.Select(ToBalancerAddress).ToArray()));
                break;

            case LookupOutcome.Empty:
                _metrics.Resolved(target, "empty");
                if (_last is null || _last.Count > 0)
                {
                    DiscoveryLog.NoEndpoints(_logger, target);
                    _metrics.EndpointsChanged(target, _last?.Count ?? 0, 0);
                    _last = [];
                }

                Publish(ResolverResult.ForResult([]));
                break;

            default:
                _metrics.Resolved(target, "failed");
                _metrics.ResolutionFailed(target);
                DiscoveryLog.ResolutionFailed(_logger, target, result.Error ?? "unknown error");
                Publish(ResolverResult.ForFailure(new Status(StatusCode.Unavailable, $"resolving {target} failed: {result.Error}")));
                break;
        }
    }

    private void Publish(ResolverResult result)
    {
        try
        {
            _listener!(result);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The loop must survive a balancer exception, or the channel would never re-resolve again.
            DiscoveryLog.ResolutionFailed(_logger, _target.Original, "balancer rejected the update: " + e.Message);
        }
    }

    private static BalancerAddress ToBalancerAddress(ResolvedEndpoint endpoint)
    {
        var address = new BalancerAddress(endpoint.Host, endpoint.Port);

        // grpc-dotnet's ConnectionManager reads this attribute (by name) and sends it as :authority, so servers
        // see the Service name rather than a pod IP — as grpc-go does.
        address.Attributes.Set(HostOverrideKey, endpoint.Authority);
        return address;
    }
}
