namespace Mth.Train.Data;

/// <summary>
/// Model inputs for a batch: <see cref="Inputs"/> is Count x 3 x S x S floats (row-major, as
/// the ONNX and TorchSharp tensors lay them out), with the labels and set positions per row.
/// </summary>
public sealed record InputBatch(float[] Inputs, int[] Labels, int[] Positions, int InputSize)
{
    public int Count => Labels.Length;

    public int InputLength => 3 * InputSize * InputSize;

    public ReadOnlySpan<float> Input(int row) => Inputs.AsSpan(row * InputLength, InputLength);
}
