using Engula.Tests.Shared.Polling;
using Grpc.Core;

namespace Engula.Server.Tests.Wire;

/// <summary>Assertions on gRPC call outcomes.</summary>
public static class RpcAssert
{
    /// <summary>Asserts that <paramref name="call"/> fails with exactly <paramref name="expected"/>.</summary>
    public static async Task<RpcException> Status(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == error.StatusCode, $"expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds, failing after <paramref name="timeout"/>.</summary>
    public static Task Eventually(Func<bool> condition, TimeSpan timeout, string what) =>
        Poll.UntilAsync(what, () => Task.FromResult(condition()), timeout, TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
}
