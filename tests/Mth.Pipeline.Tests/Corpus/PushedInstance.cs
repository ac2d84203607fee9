namespace Mth.Pipeline.Tests.Corpus;

/// <summary>One DICOM file the tests push, and what is known about it.</summary>
/// <param name="Label">The brain MRI class (glioma, meningioma, notumor, pituitary); null for the synthetic instances.</param>
/// <param name="Kind">What the file is, for messages: "brain MRI (glioma)", "CT, 16-bit signed"…</param>
/// <param name="HasImage">False for objects without pixel data: they are stored and skipped, never indexed.</param>
public sealed record PushedInstance(
    string Path,
    string Kind,
    string? Label,
    string SopInstanceUid,
    string SeriesInstanceUid,
    string StudyInstanceUid,
    string Modality,
    bool HasImage);
