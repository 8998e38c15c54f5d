using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Tests.Lifecycle;

/// <summary>
/// With no appsettings.json shipped, the components still log like the ASP.NET Core templates: their own events at
/// Information, the framework's per-request lines only from Warning up — and configuration can change both.
/// </summary>
public sealed class LoggingDefaultsTests
{
    private const string RequestLog = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public async Task Requests_are_not_logged_at_information_unless_configuration_asks_for_it()
    {
        await using var quiet = JournalServer.Build(Loopback.AnyPort(), new JournalOptions());
        var loggers = quiet.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger(RequestLog).IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger(typeof(JournalServer).FullName!).IsEnabled(LogLevel.Information));

        await using var verbose = JournalServer.Build(
            Loopback.AnyPort(configuration: new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information" }),
            new JournalOptions());

        Assert.True(verbose.Services.GetRequiredService<ILoggerFactory>().CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
    }
}
