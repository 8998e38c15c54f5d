using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Engula.DiscoveryShim;

/// <summary>
/// Which calls the channel retries. A retry happens only for status UNAVAILABLE and only while the call is not
/// committed — grpc-dotnet commits a call when response headers arrive (or its request buffer exceeds
/// <c>MaxRetryBufferPerCallSize</c>), so no response byte has reached the caller when a retry starts. But
/// UNAVAILABLE after the request was sent (connection reset while the server was working) means the server
/// <em>may</em> have applied it: only methods whose repetition is harmless are retried. One retry layer per call:
/// this service-config policy is the only one (no HTTP resilience handler under it: two layers would multiply attempts).
/// <para>
/// Retries alone do not bridge an outage longer than their back-off budget (about 1 s); callers that must ride
/// out a restart also set WaitForReady and a deadline (<see cref="EngulaCallOptions.WaitForReady(TimeSpan, CancellationToken, Metadata?)"/>):
/// a WaitForReady call queues while no endpoint is ready instead of failing at once, and the deadline bounds it.
/// </para>
/// <list type="table">
/// <listheader><term>Method</term><description>Retried? Why</description></listheader>
/// <item><term>journal CreateStream</term><description>yes — a repeat answers ALREADY_EXISTS, which callers treat as success (the kernel's start-up does)</description></item>
/// <item><term>journal DeleteStream</term><description>yes — the effect is the same; a repeat after the first attempt deleted it answers NOT_FOUND, which a deleting caller treats as done</description></item>
/// <item><term>journal AppendEvent</term><description><b>no</b> — a repeat after the first attempt was applied is rejected (ts not increasing) or, in the mem journal after a full release, appended twice</description></item>
/// <item><term>journal ReleaseEvents</term><description>yes — releasing below ts twice releases the same events</description></item>
/// <item><term>journal ReadEvents</term><description>yes — read-only; server-streaming, retried only before the first response</description></item>
/// <item><term>storage CreateBucket</term><description>yes — like CreateStream (ALREADY_EXISTS)</description></item>
/// <item><term>storage DeleteBucket</term><description>yes — like DeleteStream (NOT_FOUND)</description></item>
/// <item><term>storage UploadObject</term><description><b>no</b> — client-streaming; a replay re-creates the object (mem: ALREADY_EXISTS for a write that succeeded; file: truncates and rewrites), and replaying means buffering the whole upload</description></item>
/// <item><term>storage DeleteObject</term><description>yes — like DeleteStream (NOT_FOUND)</description></item>
/// <item><term>storage ReadObject</term><description>yes — read-only; retried only before the first chunk</description></item>
/// <item><term>kernel ApplyUpdate</term><description><b>no</b> — the kernel assigns the sequence; a replay applies the update twice (objects added twice)</description></item>
/// <item><term>kernel CurrentVersion</term><description>yes — read-only</description></item>
/// <item><term>kernel VersionUpdates</term><description>yes — a live tail; retried only before the first update arrives, which is no different from the caller re-subscribing (it must reconcile with CurrentVersion either way)</description></item>
/// <item><term>kernel PlaceLookup</term><description>yes — read-only</description></item>
/// <item><term>grpc.health.v1 Check, Watch</term><description>yes — read-only</description></item>
/// <item><term>anything else</term><description><b>no</b> — unknown methods are not assumed idempotent (the sidecar forwards them without retry)</description></item>
/// </list>
/// </summary>
public static class EngulaCallClassification
{
    private const string Journal = "engula.journal.v1.Journal";
    private const string Storage = "engula.storage.v1.Storage";
    private const string Kernel = "engula.kernel.v1.Kernel";
    private const string Health = "grpc.health.v1.Health";

    /// <summary>Every classified method; the table in the type's documentation says why.</summary>
    public static IReadOnlyList<EngulaMethodClassification> Methods { get; } =
    [
        new(Journal, "CreateStream", MethodType.Unary, true, "a repeat answers ALREADY_EXISTS, which callers treat as success"),
        new(Journal, "DeleteStream", MethodType.Unary, true, "same effect; a repeat answers NOT_FOUND, which a deleting caller treats as done"),
        new(Journal, "AppendEvent", MethodType.Unary, false, "a repeat of an applied append is rejected (ts not increasing) or appended twice"),
        new(Journal, "ReleaseEvents", MethodType.Unary, true, "releasing below ts twice releases the same events"),
        new(Journal, "ReadEvents", MethodType.ServerStreaming, true, "read-only; retried only before the first response"),
        new(Storage, "CreateBucket", MethodType.Unary, true, "a repeat answers ALREADY_EXISTS, which callers treat as success"),
        new(Storage, "DeleteBucket", MethodType.Unary, true, "same effect; a repeat answers NOT_FOUND"),
        new(Storage, "UploadObject", MethodType.ClientStreaming, false, "a replay re-creates the object (ALREADY_EXISTS or rewrite) and needs the whole upload buffered"),
        new(Storage, "DeleteObject", MethodType.Unary, true, "same effect; a repeat answers NOT_FOUND"),
        new(Storage, "ReadObject", MethodType.ServerStreaming, true, "read-only; retried only before the first chunk"),
        new(Kernel, "ApplyUpdate", MethodType.Unary, false, "the kernel assigns the sequence; a replay applies the update twice"),
        new(Kernel, "CurrentVersion", MethodType.Unary, true, "read-only"),
        new(Kernel, "VersionUpdates", MethodType.ServerStreaming, true, "live tail; retried only before the first update, like a re-subscription"),
        new(Kernel, "PlaceLookup", MethodType.Unary, true, "read-only"),
        new(Health, "Check", MethodType.Unary, true, "read-only"),
        new(Health, "Watch", MethodType.ServerStreaming, true, "read-only"),
    ];

    /// <summary>True if UNAVAILABLE is retried for <c>/service/method</c> (unknown methods: false).</summary>
    public static bool IsRetried(string service, string method) =>
        Methods.Any(m => m.RetryOnUnavailable && m.Service == service && m.Method == method);

    /// <summary>The service-config method entry carrying the retry policy for every retried method.</summary>
    internal static MethodConfig CreateRetryMethodConfig(EngulaChannelOptions options)
    {
        var config = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = options.MaxRetryAttempts,
                InitialBackoff = options.RetryInitialBackoff,
                MaxBackoff = options.RetryMaxBackoff,
                BackoffMultiplier = options.RetryBackoffMultiplier,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };

        foreach (var method in Methods.Where(m => m.RetryOnUnavailable))
        {
            config.Names.Add(new MethodName { Service = method.Service, Method = method.Method });
        }

        return config;
    }
}
