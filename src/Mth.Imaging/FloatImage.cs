namespace Mth.Imaging;

/// <summary>
/// A planar float image (channel-major: all of channel 0, then channel 1 …), values nominally
/// in [0, 1]. One channel for grey images, three for RGB.
/// </summary>
public sealed class FloatImage
{
    public FloatImage(int width, int height, int channels)
        : this(width, height, channels, new float[checked(width * height * channels)])
    {
    }

    public FloatImage(int width, int height, int channels, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "An image has 1 (grey) or 3 (RGB) channels.");
        }

        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != checked(width * height * channels))
        {
            throw new ArgumentException($"Expected {width * height * channels} values for {channels}x{height}x{width}, got {data.Length}.", nameof(data));
        }

        Width = width;
        Height = height;
        Channels = channels;
        Data = data;
    }

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }

    /// <summary>Channel-major pixel values; index = (c * Height + y) * Width + x.</summary>
    public float[] Data { get; }

    public Span<float> Plane(int channel) => Data.AsSpan(channel * Width * Height, Width * Height);

    public float this[int channel, int y, int x]
    {
        get => Data[(channel * Height + y) * Width + x];
        set => Data[(channel * Height + y) * Width + x] = value;
    }

    /// <summary>Grey images repeated on three channels; RGB images returned as they are.</summary>
    public FloatImage ToThreeChannels()
    {
        if (Channels == 3)
        {
            return this;
        }

        var data = new float[Data.Length * 3];
        for (var c = 0; c < 3; c++)
        {
            Data.CopyTo(data, c * Data.Length);
        }

        return new FloatImage(Width, Height, 3, data);
    }
}
