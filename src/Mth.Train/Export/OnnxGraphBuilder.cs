using Google.Protobuf;
using Mth.Train.Export.Onnx;
using static TorchSharp.torch;

namespace Mth.Train.Export;

/// <summary>
/// Accumulates ONNX nodes and float initialisers (little-endian raw data) with generated unique names.
/// TorchSharp has no ONNX export, so the exporter writes the graph itself (ENVIRONMENT.md).
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph = new() { Name = "mth" };
    private int counter;

    public GraphProto Graph => graph;

    public string Name(string prefix) => $"{prefix}_{counter++}";

    /// <summary>Adds the tensor's current values as an initialiser and returns its name.</summary>
    public string Initializer(string prefix, Tensor value)
    {
        using var contiguous = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var data = contiguous.data<float>().ToArray();
        return Initializer(prefix, data, contiguous.shape);
    }

    public string Initializer(string prefix, float[] data, long[] shape)
    {
        var bytes = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
        var tensor = new TensorProto { Name = Name(prefix), DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(shape);
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Int64Initializer(string prefix, params long[] values)
    {
        var tensor = new TensorProto { Name = Name(prefix), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Name(opType) };
        node.Input.AddRange(inputs);
        node.Output.Add(node.Name + "_out");
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return node.Output[0];
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static ValueInfoProto FloatValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"dimension {dim} is neither a name nor a number"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
