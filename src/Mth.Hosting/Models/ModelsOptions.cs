using System.ComponentModel.DataAnnotations;

namespace Mth.Hosting.Models;

/// <summary>
/// Configuration section <c>Models</c>: the model registry (a folder or a file:// URI, docs/encoding.md) that releases
/// are published into, shared by every service that loads models (the encoder encodes stored instances with them, the
/// query service uploads).
/// </summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    [Required(AllowEmptyStrings = false)]
    public string Registry { get; set; } = "models";
}
