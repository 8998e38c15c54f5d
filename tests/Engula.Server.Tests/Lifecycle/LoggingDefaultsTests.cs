using System.Diagnostics;
using Engula.Protocol.Journal;
using Engula.Server.Journal;
using Engula.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engula.Server.Tests.Lifecycle;

/// <summary>
/// With no appsettings.json shipped, the components still log like the ASP.NET Core templates: their own events at
/// Information, the framework's only from Warning up — and configuration can change both. The hosting diagnostics
/// category is off entirely, because while it is enabled at any level ASP.NET Core starts an Activity and a logging
/// scope for every request.
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
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Grpc.Net.Client.Internal.GrpcCall").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Grpc.Net.Client.Internal.GrpcCall").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger(typeof(JournalServer).FullName!).IsEnabled(LogLevel.Information));

        await using var verbose = JournalServer.Build(
            Loopback.AnyPort(configuration: new Dictionary<string, string?> { [$"Logging:LogLevel:{RequestLog}"] = "Information" }),
            new JournalOptions());

        Assert.True(verbose.Services.GetRequiredService<ILoggerFactory>().CreateLogger(RequestLog).IsEnabled(LogLevel.Information));
    }

    [Fact]
    public async Task A_request_starts_no_activity_when_nothing_traces_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var app = JournalServer.Build(Loopback.AnyPort(), new JournalOptions());
        var served = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use(async (context, next) =>
        {
            // Hosting sets Activity.Current (and the feature) before the pipeline runs, when it creates one.
            served.TrySetResult(Activity.Current is not null || context.Features.Get<IHttpActivityFeature>()?.Activity is not null);
            await next(context);
        });
        await using var journal = await RunningServer.StartAsync(app, ct);

        await new Protocol.Journal.Journal.JournalClient(journal.Channel).CreateStreamAsync(new CreateStreamRequest { Stream = "s" }, cancellationToken: ct);

        Assert.False(await served.Task.WaitAsync(TimeSpan.FromSeconds(10), ct), "the request carried an Activity");
    }
}
