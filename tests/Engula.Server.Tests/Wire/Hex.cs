namespace Engula.Server.Tests.Wire;

/// <summary>Hex literals written as "0A 07 44 …" (spaces ignored).</summary>
public static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));
}
