namespace Engula.Operator.Runtime;

/// <summary>Standard status conditions: Ready, Progressing, Degraded.</summary>
internal static class Conditions
{
    public const string Ready = "Ready";
    public const string Progressing = "Progressing";
    public const string Degraded = "Degraded";

    /// <summary>
    /// A condition for the new status. Its lastTransitionTime is kept from the old condition of the same type when the
    /// status did not change, so re-computing an unchanged status yields an identical object (no write).
    /// </summary>
    public static V1Condition Make(IEnumerable<V1Condition>? old, string type, bool status, string reason, string message, long? generation, DateTime now)
    {
        string value = status ? "True" : "False";
        var previous = old?.FirstOrDefault(c => c.Type == type);
        return new V1Condition
        {
            Type = type,
            Status = value,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            // Second precision: the API server stores RFC 3339 seconds, so a finer value would never compare equal.
            LastTransitionTime = previous is not null && previous.Status == value
                ? previous.LastTransitionTime
                : new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc),
        };
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == "True";
}
