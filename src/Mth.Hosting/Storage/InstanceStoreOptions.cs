using System.ComponentModel.DataAnnotations;

namespace Mth.Hosting.Storage;

/// <summary>
/// Where the received DICOM instances live (configuration section <c>InstanceStore</c>): Ingest
/// writes <c>Root/&lt;Study&gt;/&lt;Series&gt;/&lt;SOP&gt;.dcm</c>; encoders and the query service
/// read them by storage key (Mth.Dicom.Network.Storage.InstanceStorageKey).
/// Entries of the root whose names start with '.' are the store's own (partial files, Ingest's
/// state), never studies.
/// </summary>
public sealed class InstanceStoreOptions
{
    public const string Section = "InstanceStore";

    [Required]
    public string Root { get; set; } = "data/instances";
}
