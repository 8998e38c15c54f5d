namespace Engula.Server.Engine;

/// <summary>
/// A write that was not acknowledged, and what is known about it. The HTTP API answers <see cref="HttpStatus"/> (503,
/// or 507 when the journal is out of space) with the message as its one-line body, and <c>Retry-After</c> when
/// <see cref="RetryAfter"/> is set. The message starts with the outcome, so a client can tell them apart:
/// <list type="bullet">
/// <item><c>not applied: …</c> — the write is not in the journal and never will be; sending it again is safe;</item>
/// <item><c>outcome unknown: …</c> — the write was sent to the journal and no answer came back in time; the engine
/// finds out (it reads the journal's tail once the journal answers) before it commits anything else, so a read after
/// a later acknowledged write tells the client which it was;</item>
/// <item><c>overloaded: …</c> — too many writes are already waiting for the journal; nothing was queued.</item>
/// </list>
/// </summary>
public sealed class EngineUnavailableException : Exception
{
    public const string NotAppliedPrefix = "not applied";
    public const string OutcomeUnknownPrefix = "outcome unknown";
    public const string OverloadedPrefix = "overloaded";

    public EngineUnavailableException(string message, int httpStatus = 503, TimeSpan? retryAfter = null)
        : base(message)
    {
        HttpStatus = httpStatus;
        RetryAfter = retryAfter;
    }

    /// <summary>503 Service Unavailable, or 507 Insufficient Storage when the journal refused for lack of space.</summary>
    public int HttpStatus { get; }

    /// <summary>When to try again, for answers that say so (the engine is overloaded).</summary>
    public TimeSpan? RetryAfter { get; }

    public static EngineUnavailableException NotApplied(string reason, int httpStatus = 503) => new($"{NotAppliedPrefix}: {reason}", httpStatus);

    public static EngineUnavailableException OutcomeUnknown(string reason) => new($"{OutcomeUnknownPrefix}: {reason}");

    public static EngineUnavailableException Overloaded(string reason, TimeSpan retryAfter) => new($"{OverloadedPrefix}: {reason}", 503, retryAfter);
}
