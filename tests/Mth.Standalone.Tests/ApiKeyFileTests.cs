using Mth.Testing.Dicom;

namespace Mth.Standalone.Tests;

public sealed class ApiKeyFileTests : IDisposable
{
    private readonly TemporaryDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void The_key_is_generated_once_readable_by_its_owner_only_and_read_again_later()
    {
        var path = Path.Combine(_work.Path, "data", "api-key");
        var key = ApiKeyFile.ReadOrCreate(path, out var created);
        Assert.True(created);
        Assert.InRange(key.Length, 40, 64);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        Assert.Equal(key, ApiKeyFile.ReadOrCreate(path, out var createdAgain));
        Assert.False(createdAgain);
        Assert.NotEqual(key, ApiKeyFile.ReadOrCreate(Path.Combine(_work.Path, "other", "api-key"), out _));
    }

    [Fact]
    public void A_key_file_readable_by_others_is_made_private_and_a_damaged_one_is_refused()
    {
        var path = _work.File("api-key");
        File.WriteAllText(path, "a-key-someone-wrote-by-hand\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal("a-key-someone-wrote-by-hand", ApiKeyFile.ReadOrCreate(path, out _));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        File.WriteAllText(path, "short");
        Assert.Throws<InvalidDataException>(() => ApiKeyFile.ReadOrCreate(path, out _));
    }
}
