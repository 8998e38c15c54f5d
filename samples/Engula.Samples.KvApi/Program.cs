using System.Globalization;
using Engula.Client;
using Engula.Samples.KvApi;

// Named counters kept in Engula: a small service as an Aspire app host wires it. AddServiceDefaults brings telemetry,
// /health and service discovery; AddEngulaClient("engine") finds the engine that the app host's WithReference(engine)
// names (ConnectionStrings:engine) and adds its health check to /health, so the app host sees this service healthy only
// once the engine answers.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddEngulaClient("engine");
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<EngineFailureHandler>();

var app = builder.Build();
app.UseExceptionHandler();
app.MapDefaultEndpoints();

// Engula v0.2 has puts, not compare-and-set: two increments of one counter that interleave their get and put would both
// write n + 1. One instance of this service serialises its increments; several instances would lose updates.
var increments = new SemaphoreSlim(1, 1);

// The current value; 0 for a counter never incremented (a missing key).
app.MapGet("/counters/{name}", async (string name, EngulaClient engula, CancellationToken cancellationToken) =>
    new Counter(name, await ReadAsync(engula, name, cancellationToken)));

// Get, add one, put: answers the new value once the engine has made it durable in the journal. If the put fails the
// answer is a 503 with the engine's reason, which says whether the increment may still have been applied.
app.MapPost("/counters/{name}/increment", async (string name, EngulaClient engula, CancellationToken cancellationToken) =>
{
    await increments.WaitAsync(cancellationToken);
    try
    {
        long next = await ReadAsync(engula, name, cancellationToken) + 1;
        await engula.PutAsync(Key(name), next.ToString(CultureInfo.InvariantCulture), cancellationToken);
        return new Counter(name, next);
    }
    finally
    {
        increments.Release();
    }
});

app.Run();

// Stored as decimal text under "counter:<name>", so the engine's own API shows it: GET /kv/counter:<name> or
// GET /get?key=counter:<name>.
static string Key(string name) => "counter:" + name;

static async Task<long> ReadAsync(EngulaClient engula, string name, CancellationToken cancellationToken) =>
    await engula.GetStringAsync(Key(name), cancellationToken) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : 0;

namespace Engula.Samples.KvApi
{
    /// <summary>What both endpoints answer: <c>{"name":"hits","value":2}</c>.</summary>
    internal sealed record Counter(string Name, long Value);
}
