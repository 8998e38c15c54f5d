using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.DependencyInjection;

/// <summary>DI registration of the channel factory and of generated gRPC clients on shim channels.</summary>
public static class EngulaDiscoveryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EngulaChannelFactory"/> (options from configuration section <c>Engula:Discovery</c>,
    /// then <paramref name="configure"/>; logical names from the container's <see cref="IConfiguration"/>;
    /// metrics through the container's <see cref="IMeterFactory"/>) and <see cref="EngulaChannelCache"/>.
    /// </summary>
    public static IServiceCollection AddEngulaDiscovery(this IServiceCollection services, Action<EngulaChannelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddChannelFactory(configuration =>
        {
            var options = EngulaChannelOptions.FromConfiguration(configuration);
            configure?.Invoke(options);
            return options;
        });
    }

    /// <summary>
    /// Registers <see cref="EngulaChannelFactory"/> with <paramref name="options"/> as given (section <c>Engula:Discovery</c>
    /// is not read again), for a host that has already read and checked them at start-up; otherwise as
    /// <see cref="AddEngulaDiscovery(IServiceCollection, Action{EngulaChannelOptions}?)"/>.
    /// </summary>
    public static IServiceCollection AddEngulaDiscovery(this IServiceCollection services, EngulaChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        return services.AddChannelFactory(_ => options);
    }

    private static IServiceCollection AddChannelFactory(this IServiceCollection services, Func<IConfiguration?, EngulaChannelOptions> readOptions)
    {
        services.TryAddSingleton(sp =>
        {
            var configuration = sp.GetService<IConfiguration>();
            var options = readOptions(configuration);
            options.MeterFactory ??= sp.GetService<IMeterFactory>();
            return new EngulaChannelFactory(options, configuration, sp.GetService<ILoggerFactory>());
        });
        services.TryAddSingleton<EngulaChannelCache>();
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TClient"/> (a generated client such as <c>Journal.JournalClient</c>) as a
    /// singleton on the shared channel for <paramref name="address"/> (any form of
    /// <see cref="PeerAddressKind"/>, logical names included). Generated clients are thread-safe; the channel is created on first use.
    /// </summary>
    public static IServiceCollection AddEngulaGrpcClient<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TClient>(
        this IServiceCollection services, string address)
        where TClient : ClientBase<TClient>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        services.AddEngulaDiscovery();
        services.AddSingleton(sp => CreateClient<TClient>(sp.GetRequiredService<EngulaChannelCache>().GetOrCreate(address)));
        return services;
    }

    private static TClient CreateClient<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TClient>(GrpcChannel channel)
    {
        var constructor = typeof(TClient).GetConstructor([typeof(ChannelBase)])
            ?? throw new InvalidOperationException($"{typeof(TClient).FullName} has no constructor taking a ChannelBase (is it a generated gRPC client?)");
        return (TClient)constructor.Invoke([channel]);
    }
}
