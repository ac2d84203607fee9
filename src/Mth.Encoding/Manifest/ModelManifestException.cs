namespace Mth.Encoding.Manifest;

/// <summary>A model folder or manifest that must not be used: invalid fields, missing file, hash mismatch.</summary>
public sealed class ModelManifestException : Exception
{
    public ModelManifestException(string message)
        : base(message)
    {
    }

    public ModelManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
