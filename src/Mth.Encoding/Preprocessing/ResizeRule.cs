namespace Mth.Encoding.Preprocessing;

/// <summary>How an image of any shape becomes S x S (manifest names, snake_case, in brackets).</summary>
public enum ResizeRule
{
    /// <summary>Both axes scaled to S independently ("stretch"); aspect ratio not kept.</summary>
    Stretch,

    /// <summary>Centred on a black square of the longer side first ("pad_to_square"), then scaled; keeps the aspect ratio.</summary>
    PadToSquare,
}
