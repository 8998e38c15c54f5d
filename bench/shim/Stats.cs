using System.Globalization;

namespace Engula.DiscoveryShim.Bench;

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static string Summary(IReadOnlyList<double> values, string unit) => string.Create(CultureInfo.InvariantCulture,
        $"n={values.Count} min={values.Min():0.###}{unit} p50={Percentile(values, 50):0.###}{unit} p90={Percentile(values, 90):0.###}{unit} p99={Percentile(values, 99):0.###}{unit} max={values.Max():0.###}{unit}");
}
