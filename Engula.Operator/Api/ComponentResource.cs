namespace Engula.Operator.Api;

/// <summary>
/// A <c>Journal</c>, <c>Storage</c>, <c>Kernel</c>, <c>Engine</c> or <c>Background</c> custom resource (one C# type:
/// the specs share a shape; Background's schema comes from <see cref="BackgroundSpec"/>, which lacks the volume).
/// </summary>
internal sealed class ComponentResource() : EngulaResource<ComponentSpec, ComponentStatus>("");
