using System.Buffers.Text;
using System.Security.Cryptography;

namespace Mth.Standalone;

/// <summary>
/// The Query API key of a local start that configured none: generated once (256 random bits, base64url), kept in a
/// file only its owner can read (mode 600), and read again at every later start, so a restart keeps the key that
/// scripts already use. The key itself is never printed or logged; the start banner says where it is.
/// </summary>
internal static class ApiKeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The key in <paramref name="path"/>, created when the file does not exist. <paramref name="created"/>: this call made it.</summary>
    public static string ReadOrCreate(string path, out bool created)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        created = false;
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            try
            {
                // CreateNew with the mode set at creation: the key is never readable by others, not even for a moment.
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = OwnerOnly;
                }

                using var stream = new FileStream(path, create);
                using var writer = new StreamWriter(stream);
                writer.WriteLine(key);
                writer.Flush();
                stream.Flush(flushToDisk: true);
                created = true;
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another start created it first: use that one.
            }
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly & ~UnixFileMode.UserExecute) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }

        var stored = File.ReadAllText(path).Trim();
        if (stored.Length is < 16 or > 256)
        {
            throw new InvalidDataException($"The API key file {path} does not hold a key of 16 to 256 characters; delete it to have a new one generated.");
        }

        return stored;
    }
}
