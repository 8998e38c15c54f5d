using System.Net;

namespace Engula.Client;

/// <summary>What is known about a write the engine did not acknowledge (the engine's answers are in docs/faults.md).</summary>
public enum EngulaWriteOutcome
{
    /// <summary>Not a write failure, or an answer that does not say (a 4xx, an unexpected status).</summary>
    Unknown,

    /// <summary><c>not applied</c>: the write is not in the journal and never will be; sending it again is safe.</summary>
    NotApplied,

    /// <summary><c>outcome unknown</c>: sent, unanswered in time; the engine settles it (it ends up applied).</summary>
    OutcomeUnknown,

    /// <summary><c>overloaded</c>: too many writes wait for the journal; nothing was queued; retry after <see cref="EngulaClientException.RetryAfter"/>.</summary>
    Overloaded,
}

/// <summary>The engine answered a request with an error status; the message is the engine's one-line reason.</summary>
public sealed class EngulaClientException : Exception
{
    public EngulaClientException(string operation, string key, HttpStatusCode status, string reason, TimeSpan? retryAfter)
        : base($"engula {operation} of '{key}' failed: {(int)status} {reason}")
    {
        StatusCode = status;
        Reason = reason;
        RetryAfter = retryAfter;
        Outcome = reason.StartsWith("not applied", StringComparison.Ordinal) ? EngulaWriteOutcome.NotApplied
            : reason.StartsWith("outcome unknown", StringComparison.Ordinal) ? EngulaWriteOutcome.OutcomeUnknown
            : reason.StartsWith("overloaded", StringComparison.Ordinal) ? EngulaWriteOutcome.Overloaded
            : EngulaWriteOutcome.Unknown;
    }

    /// <summary>The HTTP status: 400/413 for bad input, 503 or 507 for a write not acknowledged.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The engine's one-line reason.</summary>
    public string Reason { get; }

    /// <summary>For a write: what is known about it.</summary>
    public EngulaWriteOutcome Outcome { get; }

    /// <summary>When the engine asks to be called again (overloaded).</summary>
    public TimeSpan? RetryAfter { get; }
}
