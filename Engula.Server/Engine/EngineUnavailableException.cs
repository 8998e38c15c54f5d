namespace Engula.Server.Engine;

/// <summary>A write could not be made durable (journal unavailable, engine stopping): HTTP 503, nothing acknowledged.</summary>
public sealed class EngineUnavailableException(string message) : Exception(message);
