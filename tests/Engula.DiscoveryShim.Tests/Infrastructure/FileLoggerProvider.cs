using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Engula.DiscoveryShim.Tests.Infrastructure;

/// <summary>Diagnostics only (ENGULA_TEST_GRPC_LOG=file): grpc-dotnet's and the shim's logs with timestamps.</summary>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private static readonly Lock Gate = new();
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public ILogger CreateLogger(string categoryName) => new FileLogger(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class FileLogger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Gate)
            {
                File.AppendAllText(path, $"{Clock.ElapsedMilliseconds,8} {category.Split('.').Last()} {eventId.Name}: {formatter(state, exception)}\n");
            }
        }
    }
}
