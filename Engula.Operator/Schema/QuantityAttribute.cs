namespace Engula.Operator.Schema;

/// <summary>
/// The property is a Kubernetes quantity (or a map of them): an integer or a string such as <c>1Gi</c>, i.e.
/// <c>x-kubernetes-int-or-string</c> in the schema.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class QuantityAttribute : Attribute;
