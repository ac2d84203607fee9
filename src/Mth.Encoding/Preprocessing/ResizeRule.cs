namespace Mth.Encoding.Preprocessing;

/// <summary>How an image of any shape becomes S x S (manifest names in brackets).</summary>
public enum ResizeRule
{
    /// <summary>Both axes scaled to S independently ("stretch"); aspect ratio not kept.</summary>
    Stretch,

    /// <summary>Centred on a black square of the longer side first ("pad"), then scaled; keeps the aspect ratio.</summary>
    PadToSquare,
}
