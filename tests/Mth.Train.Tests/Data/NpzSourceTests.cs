using Mth.Train.Data;

namespace Mth.Train.Tests.Data;

public sealed class NpzSourceTests
{
    [Fact]
    public void Npy_header_version_1_gives_dtype_shape_and_data()
    {
        var data = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        var array = NpyArray.Parse(TestData.Npy("|u1", [2, 3, 4], data));

        Assert.Equal("|u1", array.DType);
        Assert.Equal([2, 3, 4], array.Shape);
        Assert.False(array.FortranOrder);
        Assert.Equal(data, array.Data);
    }

    [Fact]
    public void Npy_integer_labels_of_any_width_read_as_values()
    {
        var data = new byte[16];
        BitConverter.TryWriteBytes(data.AsSpan(0), 3L);
        BitConverter.TryWriteBytes(data.AsSpan(8), -2L);
        var array = NpyArray.Parse(TestData.Npy("<i8", [2], data));

        Assert.Equal(3, array.GetInteger(0));
        Assert.Equal(-2, array.GetInteger(1));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [InlineData(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 9, 0, 0, 0 })]
    public void Npy_without_magic_or_with_unknown_version_is_rejected(byte[] bytes)
    {
        Assert.Throws<DataSourceException>(() => NpyArray.Parse(bytes));
    }

    [Fact]
    public void Npy_with_too_little_data_for_its_shape_is_rejected()
    {
        var error = Assert.Throws<DataSourceException>(() => NpyArray.Parse(TestData.Npy("|u1", [2, 8, 8], new byte[100])));
        Assert.Contains("needs 128 bytes", error.Message);
    }

    [Fact]
    public async Task Npz_parts_become_items_with_keys_labels_and_pixels()
    {
        var path = TestData.Npz(Path.Combine(TestData.TempDirectory(), "set.npz"), new Dictionary<string, int[]>
        {
            ["train"] = [0, 1, 1, 0],
            ["val"] = [1, 0],
        });

        var source = NpzSource.Open(path);

        Assert.Equal(["0", "1"], source.ClassNames);
        Assert.Equal(["train[0]", "train[1]", "train[2]", "train[3]", "val[0]", "val[1]"], source.Items.Select(i => i.Key));
        Assert.Equal([0, 1, 1, 0, 1, 0], source.Items.Select(i => i.Label));
        var image = await source.LoadAsync(1);
        Assert.Equal((8, 8, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(((1 * 100 + 1 * 7 + 5) % 256) / 255f, image.Data[5]);
        Assert.Equal(1 / 255f, image.Data[0]);
    }

    [Fact]
    public void Npz_selected_parts_and_class_names_are_used()
    {
        var path = TestData.Npz(Path.Combine(TestData.TempDirectory(), "set.npz"), new Dictionary<string, int[]>
        {
            ["train"] = [0, 1],
            ["val"] = [1],
        }, compressed: false);

        var source = NpzSource.Open(path, ["val"], ["normal", "pneumonia"]);

        Assert.Equal(["val[0]"], source.Items.Select(i => i.Key));
        Assert.Equal(["normal", "pneumonia"], source.ClassNames);
        Assert.Throws<DataSourceException>(() => NpzSource.Open(path, ["test"]));
    }

    [Fact]
    public void Npz_with_multi_label_arrays_is_rejected_with_a_reason()
    {
        var path = Path.Combine(TestData.TempDirectory(), "multi.npz");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            TestData.Add(zip, "train_images.npy", TestData.Npy("|u1", [2, 4, 4], new byte[32]));
            TestData.Add(zip, "train_labels.npy", TestData.Npy("|u1", [2, 3], new byte[6]));
        }

        var error = Assert.Throws<DataSourceException>(() => NpzSource.Open(path));
        Assert.Contains("multi-label", error.Message);
    }

    [Fact]
    public async Task Npz_hash_is_the_hash_of_the_image_row()
    {
        var path = TestData.Npz(Path.Combine(TestData.TempDirectory(), "set.npz"), new Dictionary<string, int[]> { ["train"] = [0, 0] });
        var source = NpzSource.Open(path);

        var first = await source.HashAsync(0);
        var second = await source.HashAsync(1);

        Assert.Equal(64, first.Length);
        Assert.NotEqual(first, second);
        Assert.Equal(first, await source.HashAsync(0));
    }
}
