namespace Mth.Encoding.Images;

/// <summary>An image file that cannot be turned into pixels: unknown format or damaged content.</summary>
public sealed class ImageDecodingException : Exception
{
    public ImageDecodingException(string message)
        : base(message)
    {
    }

    public ImageDecodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
