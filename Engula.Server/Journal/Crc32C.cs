using System.Buffers.Binary;
using System.Numerics;

namespace Engula.Server.Journal;

/// <summary>
/// CRC-32C (Castagnoli) over <see cref="BitOperations.Crc32C(uint, ulong)"/>, which uses the SSE4.2 / ARMv8 CRC
/// instructions where present and a table otherwise; no package needed. Standard parameters: initial value and
/// final XOR 0xFFFFFFFF, so <c>Compute("123456789") == 0xE3069283</c>.
/// </summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFFu;

    /// <summary>Feeds <paramref name="data"/> into a running (not finalised) state that starts at <see cref="Seed"/>.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }

    public static uint Finish(uint state) => ~state;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));
}
