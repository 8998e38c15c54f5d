namespace Engula.Server.Engine;

/// <summary>Options of <c>engula engine run</c>.</summary>
public sealed class EngineOptions
{
    public const int DefaultMaxValueBytes = 1024 * 1024;
    public const int MaxKeyBytes = 1024;

    /// <summary>Memtable size that triggers a flush. The original's 4 KiB flushed every few puts.</summary>
    public const long DefaultFlushThreshold = 4L * 1024 * 1024;

    /// <summary><c>--kernel</c>; when null the kernel is found from configuration (<see cref="Engula.DiscoveryShim.PeerLocator"/>).</summary>
    public string? KernelFlag { get; init; }

    public int MaxValueBytes { get; init; } = DefaultMaxValueBytes;

    /// <summary>How long a put waits for the journal before it is answered 503 (<c>--write-timeout</c>, seconds).</summary>
    public static readonly TimeSpan DefaultWriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Writes that may wait for the journal at once (<c>--max-waiting-writes</c>).</summary>
    public const int DefaultMaxWaitingWrites = 65536;

    /// <summary>Encoded bytes of the writes that may wait for the journal at once (<c>--max-waiting-bytes</c>).</summary>
    public const long DefaultMaxWaitingBytes = 64L * 1024 * 1024;

    /// <summary>
    /// How long a put waits for the journal: a journal restart or stall shorter than this is a delay, not a failure.
    /// The HTTP request's own end stops the wait earlier.
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = DefaultWriteTimeout;

    /// <summary>
    /// Bounds on the writes waiting for the journal, so that an outage does not grow the engine's memory: past either
    /// bound a put is answered 503 at once with <c>Retry-After</c>.
    /// </summary>
    public int MaxWaitingWrites { get; init; } = DefaultMaxWaitingWrites;

    /// <inheritdoc cref="MaxWaitingWrites"/>
    public long MaxWaitingBytes { get; init; } = DefaultMaxWaitingBytes;

    public long FlushThreshold { get; init; } = DefaultFlushThreshold;

    /// <summary>
    /// Longest wait for the writers of the last group commit to return before the next batch is sealed (see
    /// <see cref="GroupCommitLinger"/>); zero turns it off.
    /// </summary>
    public TimeSpan GroupCommitLinger { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>When flushes become compactions (<c>--compaction-ratio</c>, <c>--compaction-min-bytes</c>).</summary>
    public CompactionPolicy Compaction { get; init; } = new();

    /// <summary>
    /// Fault injection for tests only (<c>--compaction-step-pause-ms</c>, hidden): after each step of a compaction
    /// (table uploaded, kernel updated) the engine logs the step and waits this long, so that a test can SIGKILL a
    /// process at that exact point. Zero in production.
    /// </summary>
    public TimeSpan CompactionStepPause { get; init; }
}
