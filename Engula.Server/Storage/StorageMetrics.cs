using System.Diagnostics.Metrics;

namespace Engula.Server.Storage;

/// <summary>Storage instruments under the meter <c>Engula.Storage</c>.</summary>
internal sealed class StorageMetrics
{
    public const string MeterName = "Engula.Storage";

    private readonly TransferCounters _uploads;
    private readonly TransferCounters _reads;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _uploads = new(meter,
            "engula.storage.uploads", "{object}", "Objects uploaded (committed).",
            "engula.storage.uploaded_bytes", "Bytes of committed uploads.");
        _reads = new(meter,
            "engula.storage.reads", "{object}", "Objects read.",
            "engula.storage.read_bytes", "Bytes streamed by ReadObject.");
    }

    public void Uploaded(long bytes) => _uploads.Add(1, bytes);

    public void Read(long bytes) => _reads.Add(1, bytes);
}
