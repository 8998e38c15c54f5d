namespace Engula.Operator.Schema;

/// <summary>
/// The list is a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>), so server-side apply merges
/// its items by key instead of replacing the whole list. The keys are required in every item.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ListMapAttribute(params string[] keys) : Attribute
{
    public IReadOnlyList<string> Keys { get; } = keys;
}
