namespace Engula.Server.Runtime;

/// <summary>A configuration error the user must fix (a missing peer address, say): printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
