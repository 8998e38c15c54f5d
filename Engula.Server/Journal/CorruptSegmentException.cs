namespace Engula.Server.Journal;

/// <summary>A segment that recovery cannot repair (a sealed segment without a valid header or footer, overlapping
/// segments). The stream stays registered but unusable; other streams are unaffected.</summary>
public sealed class CorruptSegmentException : Exception
{
    public CorruptSegmentException()
    {
    }

    public CorruptSegmentException(string message)
        : base(message)
    {
    }

    public CorruptSegmentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
