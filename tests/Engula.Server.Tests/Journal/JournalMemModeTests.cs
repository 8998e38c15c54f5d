using Engula.Server.Journal;

namespace Engula.Server.Tests.Journal;

/// <summary>The journal conformance suite against <c>--mem</c>, plus what only the mem journal promises.</summary>
public sealed class JournalMemModeTests : JournalConformanceTests
{
    protected override JournalOptions CreateOptions() => new();

    [Fact]
    public async Task Release_drops_exactly_the_events_below_the_bound()
    {
        await Client.Create("s");
        for (ulong ts = 1; ts <= 10; ts++)
        {
            await Client.Append("s", ts, $"e{ts}");
        }

        await Client.Release("s", 4);
        Assert.Equal(Enumerable.Range(4, 7).Select(i => (ulong)i), (await Client.Read("s", 0)).Select(e => e.Ts));

        await Client.Release("s", 11);
        Assert.Empty(await Client.ReadMessages("s", 0));
    }
}
