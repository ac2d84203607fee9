using Mth.Train.Data;
using Mth.Train.Training;

namespace Mth.Train.Tests.Fixtures;

/// <summary>
/// An easy generated labelled set: class c is low noise plus a bright square in a class-specific place
/// (one quadrant per class), at input size S. Deterministic for a seed.
/// </summary>
public sealed class GeneratedImages : ITrainingInputs
{
    private readonly float[] pixels;

    public GeneratedImages(int count, int classes, int inputSize, ulong seed, double noise = 0.2)
    {
        InputSize = inputSize;
        var random = new SeededRandom(seed);
        int length = 3 * inputSize * inputSize, plane = inputSize * inputSize, half = inputSize / 2, square = Math.Max(2, inputSize / 4);
        pixels = new float[count * length];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % classes;
            labels[i] = c;
            int top = (c / 2 % 2) * half + random.NextInt(half - square + 1);
            int left = (c % 2) * half + random.NextInt(half - square + 1);
            float intensity = (float)(1.5 + 0.2 * (c / 4));
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < inputSize; y++)
                    for (int x = 0; x < inputSize; x++)
                    {
                        float v = (float)(noise * random.NextGaussian());
                        if (y >= top && y < top + square && x >= left && x < left + square) v += intensity;
                        pixels[i * length + ch * plane + y * inputSize + x] = v;
                    }
        }
        Labels = labels;
    }

    public int Count => Labels.Count;
    public IReadOnlyList<int> Labels { get; }
    public int InputSize { get; }

    public void Fill(ReadOnlySpan<int> indices, Span<float> destination, SeededRandom? augmentation)
    {
        int length = 3 * InputSize * InputSize;
        for (int i = 0; i < indices.Length; i++)
            pixels.AsSpan(indices[i] * length, length).CopyTo(destination.Slice(i * length, length));
    }
}
