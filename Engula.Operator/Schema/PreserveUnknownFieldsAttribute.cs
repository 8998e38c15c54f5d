namespace Engula.Operator.Schema;

/// <summary>The property is an object kept as the user wrote it (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PreserveUnknownFieldsAttribute : Attribute;
