namespace Engula.Operator.Schema;

/// <summary>
/// The object property defaults to <c>{}</c>. Defaults apply only inside an existing parent, so without this a
/// resource with no <c>spec</c> at all would get none of its defaults.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DefaultObjectAttribute : Attribute;
