using System.ComponentModel.DataAnnotations;

namespace Mth.Query.ActiveModel;

/// <summary>Configuration section <c>Models</c>: where released models live (a folder or a file:// URI, see docs/encoding.md).</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    [Required(AllowEmptyStrings = false)]
    public string Registry { get; set; } = "";
}
