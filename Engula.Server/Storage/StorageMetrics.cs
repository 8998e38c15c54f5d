using System.Diagnostics.Metrics;

namespace Engula.Server.Storage;

/// <summary>Storage instruments under the meter <c>Engula.Storage</c>.</summary>
internal sealed class StorageMetrics
{
    public const string MeterName = "Engula.Storage";

    private readonly Counter<long> _uploads;
    private readonly Counter<long> _uploadedBytes;
    private readonly Counter<long> _reads;
    private readonly Counter<long> _readBytes;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _uploads = meter.CreateCounter<long>("engula.storage.uploads", "{object}", "Objects uploaded (committed).");
        _uploadedBytes = meter.CreateCounter<long>("engula.storage.uploaded_bytes", "By", "Bytes of committed uploads.");
        _reads = meter.CreateCounter<long>("engula.storage.reads", "{object}", "Objects read.");
        _readBytes = meter.CreateCounter<long>("engula.storage.read_bytes", "By", "Bytes streamed by ReadObject.");
    }

    public void Uploaded(long bytes)
    {
        _uploads.Add(1);
        _uploadedBytes.Add(bytes);
    }

    public void Read(long bytes)
    {
        _reads.Add(1);
        _readBytes.Add(bytes);
    }
}
