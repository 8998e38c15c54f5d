using Engula.DiscoveryShim.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Forwarding;

/// <summary>Hosting helpers for <see cref="GrpcForwarder"/>: the sidecar is these two calls plus a Kestrel h2c listener.</summary>
public static class GrpcForwarderExtensions
{
    /// <summary>Registers a <see cref="GrpcForwarder"/> for <paramref name="target"/> (any form of <see cref="PeerAddressKind"/>) on a
    /// shim channel, and its readiness check <c>target</c>. The target is validated here, at start-up. Options come
    /// from configuration section <c>Engula:Shim</c>, then <paramref name="configure"/>.</summary>
    public static IServiceCollection AddGrpcForwarder(this IServiceCollection services, string target, Action<GrpcForwarderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        PeerAddress.Parse(target);
        services.AddEngulaDiscovery();
        services.TryAddSingleton(sp => new ForwardingMetrics(sp.GetService<IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var options = GrpcForwarderOptions.FromConfiguration(sp.GetService<IConfiguration>());
            configure?.Invoke(options);
            var channel = sp.GetRequiredService<EngulaChannelCache>().GetOrCreate(target);
            return new GrpcForwarder(channel, target, options, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<ForwardingMetrics>());
        });
        services.AddHealthChecks().AddCheck<GrpcForwarderHealthCheck>("target");
        return services;
    }

    /// <summary>Maps every <c>/{service}/{method}</c> path to the registered <see cref="GrpcForwarder"/>.</summary>
    public static IEndpointConventionBuilder MapGrpcForwarder(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var forwarder = endpoints.ServiceProvider.GetRequiredService<GrpcForwarder>();
        return endpoints.Map("/{service}/{method}", forwarder.ForwardAsync).WithDisplayName("gRPC forwarder → " + forwarder.Target);
    }
}
