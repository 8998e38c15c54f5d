using Engula.DiscoveryShim;

namespace Engula.Server.Runtime;

/// <summary>
/// Settings a component reads from its flags and its environment and checks before it starts: every peer address and
/// the discovery settings. A bad value ends the command with exit 2 and one line naming the flag or variable it came
/// from (a <see cref="UsageException"/>), never an exception later, when the first channel is built.
/// </summary>
internal static class StartupSettings
{
    /// <summary>
    /// The address of <paramref name="peerKind"/> (journal, storage, kernel) from its flag or the environment, in the
    /// order of <see cref="PeerLocator"/>.
    /// </summary>
    /// <exception cref="UsageException">No setting names the peer, or the one that does is not a dialable address.</exception>
    public static PeerAddress RequirePeer(EngulaComponentKind componentKind, EngulaComponentKind peerKind, string? flag, IConfiguration configuration)
    {
        string component = componentKind.Name();
        string peer = peerKind.Name();
        PeerAddress? address;
        try
        {
            address = PeerLocator.Locate(peer, flag, configuration);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new UsageException($"{component}: {e.Message}");
        }

        return address ?? throw new UsageException($"{component}: no {peer} address (--{peer}, {EngulaPeerVariables.Choices(peer)})");
    }

    /// <summary>The sidecar's <c>--target</c>: an address, or a logical name that the environment defines.</summary>
    /// <exception cref="UsageException">The target is not an address, or names a peer no setting defines.</exception>
    public static string RequireTarget(string target, IConfiguration configuration)
    {
        if (!PeerAddress.TryParse(target, out var address, out var error))
        {
            throw new UsageException("--target: " + error);
        }

        if (address.Kind == PeerAddressKind.Logical)
        {
            PeerAddress? located;
            try
            {
                located = PeerLocator.LocateFromConfiguration(address.Host, configuration);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new UsageException("--target: " + e.Message);
            }

            return located is null
                ? throw new UsageException($"--target '{address.Original}' names the logical peer '{address.Host}', but {PeerLocator.NotConfigured(address.Host)}")
                : address.Original;
        }

        return address.Kind != PeerAddressKind.Srv && address.Port == 0
            ? throw new UsageException($"--target: '{address.Original}': port 0 cannot be dialled")
            : address.Original;
    }

    /// <summary>The channel settings of section <c>Engula:Discovery</c>, read and checked.</summary>
    /// <exception cref="UsageException">A value does not parse or is out of range.</exception>
    public static EngulaChannelOptions ChannelOptions(IConfiguration configuration)
    {
        try
        {
            var options = EngulaChannelOptions.FromConfiguration(configuration);
            options.Validate();
            return options;
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // Its message carries the parameter and value on further lines; one line says it all.
            throw new UsageException($"{EngulaChannelOptions.ConfigurationSection}:{e.ParamName}={e.ActualValue}: {e.Message.Split('\n')[0].Split(" (Parameter", 2)[0]}");
        }
    }
}
