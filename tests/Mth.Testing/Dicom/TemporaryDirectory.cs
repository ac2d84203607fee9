namespace Mth.Testing.Dicom;

/// <summary>A directory under the system temp folder, deleted with its content on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
        : this("mth-dicom-")
    {
    }

    /// <summary>A directory whose name starts with <paramref name="prefix"/> (which says, in the temp folder, what left it).</summary>
    public TemporaryDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the OS temp cleaner will get it.
        }
    }
}
