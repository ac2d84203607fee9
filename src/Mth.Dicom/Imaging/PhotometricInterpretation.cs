namespace Mth.Dicom.Imaging;

/// <summary>Photometric Interpretation (0028,0004), PS3.3 C.7.6.3.1.2.</summary>
public enum PhotometricInterpretation
{
    Monochrome1,
    Monochrome2,
    PaletteColor,
    Rgb,
    YbrFull,
    YbrFull422,
    YbrPartial422,
    YbrPartial420,
    YbrIct,
    YbrRct,
}

public static class PhotometricInterpretations
{
    /// <summary>Parses the defined term; null for a term PS3.3 does not define.</summary>
    public static PhotometricInterpretation? Parse(string? term) => term?.Trim() switch
    {
        "MONOCHROME1" => PhotometricInterpretation.Monochrome1,
        "MONOCHROME2" => PhotometricInterpretation.Monochrome2,
        "PALETTE COLOR" => PhotometricInterpretation.PaletteColor,
        "RGB" => PhotometricInterpretation.Rgb,
        "YBR_FULL" => PhotometricInterpretation.YbrFull,
        "YBR_FULL_422" => PhotometricInterpretation.YbrFull422,
        "YBR_PARTIAL_422" => PhotometricInterpretation.YbrPartial422,
        "YBR_PARTIAL_420" => PhotometricInterpretation.YbrPartial420,
        "YBR_ICT" => PhotometricInterpretation.YbrIct,
        "YBR_RCT" => PhotometricInterpretation.YbrRct,
        _ => null,
    };

    public static bool IsMonochrome(this PhotometricInterpretation photometric) =>
        photometric is PhotometricInterpretation.Monochrome1 or PhotometricInterpretation.Monochrome2;
}
