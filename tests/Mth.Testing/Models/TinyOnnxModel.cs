using Mth.Encoding.Manifest;
using Mth.Encoding.Preprocessing;

namespace Mth.Testing.Models;

/// <summary>
/// A real ONNX model written by the test: input [N, 3, S, S] -> Flatten -> MatMul W -> Add b ->
/// Tanh -> "hash" [N, k] (and a second output "features" before Tanh), serialised with a minimal
/// protobuf writer (field numbers from the public onnx.proto). Lets the encoder, the query service
/// and the encoding library be tested against ONNX Runtime without the trainer.
/// </summary>
/// <remarks>
/// Mth.Testing references Mth.Encoding privately (ONNX Runtime's natives are 500 MB per output
/// folder): a test project that uses this type references src/Mth.Encoding itself.
/// </remarks>
public sealed class TinyOnnxModel
{
    public TinyOnnxModel(int inputSize, int bits, int seed)
    {
        InputSize = inputSize;
        Bits = bits;
        var random = new Random(seed);
        var features = 3 * inputSize * inputSize;
        Weights = new float[features * bits];
        for (var i = 0; i < Weights.Length; i++)
        {
            Weights[i] = (float)((random.NextDouble() - 0.5) * 4 / Math.Sqrt(features));
        }

        Bias = Enumerable.Range(0, bits).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
    }

    public int InputSize { get; }

    public int Bits { get; }

    public float[] Weights { get; }

    public float[] Bias { get; }

    /// <summary>tanh(x W + b) in double precision, the reference for ONNX Runtime's output.</summary>
    public double[] Reference(ReadOnlySpan<float> input)
    {
        var result = new double[Bits];
        for (var k = 0; k < Bits; k++)
        {
            double sum = Bias[k];
            for (var f = 0; f < input.Length; f++)
            {
                sum += (double)input[f] * Weights[f * Bits + k];
            }

            result[k] = Math.Tanh(sum);
        }

        return result;
    }

    /// <summary>A valid manifest for this model (S, k and a SHA-256 placeholder that <see cref="CreatePackageAsync"/> fills in).</summary>
    public ModelManifest Manifest(string version = "tiny-1") => new()
    {
        Version = version,
        CreatedUtc = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
        Bits = Bits,
        InputSize = InputSize,
        Onnx = new OnnxModelInfo { Sha256 = new string('0', 64), Opset = 17 },
        Preprocessing = new PreprocessingInfo { Mean = [0.5f, 0.45f, 0.4f], Std = [0.25f, 0.2f, 0.3f], Resize = ResizeRule.Stretch },
        Classes = ["glioma", "notumor"],
        Data = new DataInfo
        {
            Description = "generated",
            SplitSeed = 7,
            SplitHashes = new Dictionary<string, string> { ["train"] = new('a', 64), ["test"] = new('b', 64) },
        },
        Metrics = new Dictionary<string, double> { ["test.map_all"] = 0.5 },
        Training = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 3, ["optimizer"] = "adam" },
    };

    /// <summary>
    /// Writes a released model folder (model.onnx + manifest.json with the real SHA-256) into
    /// <paramref name="directory"/> and returns the verified package.
    /// </summary>
    public async Task<ModelPackage> CreatePackageAsync(string directory, string version = "tiny-1", ModelManifest? manifest = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var staging = Directory.CreateTempSubdirectory("mth-tiny-model-").FullName;
        try
        {
            var onnx = Path.Combine(staging, "model.onnx");
            await File.WriteAllBytesAsync(onnx, Serialise(), cancellationToken);
            return await ModelPackage.CreateAsync(directory, manifest ?? Manifest(version), onnx, cancellationToken);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    public byte[] Serialise(string inputName = "input", string outputName = "hash")
    {
        var features = 3 * InputSize * InputSize;
        var graph = new Proto()
            .Message(1, Node([inputName], ["flat"], "Flatten", new Proto().String(1, "axis").Int(3, 1).Int(20, 2)))
            .Message(1, Node(["flat", "W"], ["projected"], "MatMul"))
            .Message(1, Node(["projected", "b"], ["features"], "Add"))
            .Message(1, Node(["features"], [outputName], "Tanh"))
            .String(2, "tiny")
            .Message(5, Tensor("W", [features, Bits], Weights))
            .Message(5, Tensor("b", [Bits], Bias))
            .Message(11, ValueInfo(inputName, ["N", 3, InputSize, InputSize]))
            .Message(12, ValueInfo(outputName, ["N", Bits]))
            .Message(12, ValueInfo("features", ["N", Bits]));
        return new Proto()
            .Int(1, 8) // ir_version
            .String(2, "mth-tests") // producer_name
            .Message(7, graph)
            .Message(8, new Proto().String(1, string.Empty).Int(2, 17)) // opset_import: default domain, 17
            .ToArray();
    }

    private static Proto Node(string[] inputs, string[] outputs, string op, Proto? attribute = null)
    {
        var node = new Proto();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, op + "_" + outputs[0]).String(4, op);
        if (attribute is not null)
        {
            node.Message(5, attribute);
        }

        return node;
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (var d in dims)
        {
            tensor.Int(1, d);
        }

        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        return tensor.Int(2, 1).String(8, name).Bytes(9, raw);
    }

    private static Proto ValueInfo(string name, object[] shape)
    {
        var dims = new Proto();
        foreach (var d in shape)
        {
            dims.Message(1, d is string symbol ? new Proto().String(2, symbol) : new Proto().Int(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)));
        }

        var tensorType = new Proto().Int(1, 1).Message(2, dims);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>Protobuf wire format: varints (type 0) and length-delimited fields (type 2).</summary>
    private sealed class Proto
    {
        private readonly MemoryStream buffer = new();

        public Proto Int(int field, long value)
        {
            Varint(((ulong)field << 3) | 0);
            Varint((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, byte[] value)
        {
            Varint(((ulong)field << 3) | 2);
            Varint((ulong)value.Length);
            buffer.Write(value);
            return this;
        }

        public byte[] ToArray() => buffer.ToArray();

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                buffer.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            buffer.WriteByte((byte)value);
        }
    }
}
