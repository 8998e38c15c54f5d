using System.Diagnostics;

namespace Engula.Server.Journal;

/// <summary>Trace spans of the journal (<c>Engula.Journal</c>, picked up by the service defaults' <c>Engula.*</c> filter).</summary>
internal static class JournalTelemetry
{
    public static readonly ActivitySource Source = new(JournalMetrics.MeterName);
}
