using Mth.Encoding.Images;
using Mth.Train.Data;

namespace Mth.Train.Tests.Data;

public sealed class FileSourceTests
{
    [Fact]
    public async Task Image_folders_are_labelled_by_folder_name_in_ordinal_order()
    {
        var root = TestData.ClassFolders(TestData.TempDirectory(), classes: 3, perClass: 4, withJpeg: true);
        File.WriteAllText(Path.Combine(root, "class_1", "notes.txt"), "not an image");

        var source = ImageFolderSource.Open(root);

        Assert.Equal(["class_0", "class_1", "class_2"], source.ClassNames);
        Assert.Equal(12, source.Items.Count);
        Assert.Equal("class_0/img_000.png", source.Items[0].Key);
        Assert.Equal("class_0/img_002.jpg", source.Items[2].Key);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], source.Items.Select(i => i.Label));
        var image = await source.LoadAsync(4);
        Assert.Equal((21, 20, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(TestData.Pattern(21, 20, 1, 0).Data, image.Data);
    }

    [Fact]
    public void Image_folder_without_class_folders_is_a_clear_error()
    {
        var root = TestData.TempDirectory();
        var error = Assert.Throws<DataSourceException>(() => ImageFolderSource.Open(root));
        Assert.Contains("no class sub-folders", error.Message);
    }

    [Fact]
    public async Task Labels_csv_lists_files_relative_to_its_folder()
    {
        var root = TestData.ClassFolders(TestData.TempDirectory(), classes: 2, perClass: 2);
        var csv = Path.Combine(root, "labels.csv");
        File.WriteAllLines(csv, ["id,path,label", "1,class_1/img_000.png,tumour", "2,\"class_0/img_001.png\",\"healthy, adult\""]);

        var source = LabelsCsvSource.Open(csv);

        Assert.Equal(["healthy, adult", "tumour"], source.ClassNames);
        Assert.Equal(["class_0/img_001.png", "class_1/img_000.png"], source.Items.Select(i => i.Key));
        Assert.Equal([0, 1], source.Items.Select(i => i.Label));
        Assert.Equal(TestData.Pattern(21, 20, 1, 0).Data, (await source.LoadAsync(1)).Data);
    }

    [Theory]
    [InlineData("../outside.png")]
    [InlineData("/etc/passwd")]
    public void Labels_csv_paths_must_stay_inside_its_folder(string path)
    {
        var root = TestData.TempDirectory();
        var csv = Path.Combine(root, "labels.csv");
        File.WriteAllLines(csv, ["path,label", $"{path},a"]);

        var error = Assert.Throws<DataSourceException>(() => LabelsCsvSource.Open(csv));
        Assert.Contains("stay inside", error.Message);
    }

    [Fact]
    public void Labels_csv_without_path_and_label_columns_is_rejected()
    {
        var csv = Path.Combine(TestData.TempDirectory(), "labels.csv");
        File.WriteAllLines(csv, ["file,class", "a.png,x"]);

        Assert.Throws<DataSourceException>(() => LabelsCsvSource.Open(csv));
    }

    [Fact]
    public async Task A_file_that_is_no_image_fails_with_its_path_named()
    {
        var root = TestData.TempDirectory();
        Directory.CreateDirectory(Path.Combine(root, "a"));
        File.WriteAllText(Path.Combine(root, "a", "broken.png"), "not a png");
        var source = ImageFolderSource.Open(root);

        var error = await Assert.ThrowsAsync<ImageDecodingException>(async () => await source.LoadAsync(0));
        Assert.Contains("broken.png", error.Message);
    }

    [Fact]
    public void Data_source_specs_open_the_matching_source()
    {
        var root = TestData.ClassFolders(TestData.TempDirectory(), classes: 2, perClass: 2);
        var npz = TestData.Npz(Path.Combine(TestData.TempDirectory(), "m.npz"), new Dictionary<string, int[]> { ["train"] = [0, 1], ["val"] = [1] });

        Assert.IsType<ImageFolderSource>(DataSources.OpenSource(root));
        var selected = Assert.IsType<NpzSource>(DataSources.OpenSource(npz + "#val"));
        Assert.Single(selected.Items);
        Assert.Equal(npz + "#val", selected.Location);
        Assert.Throws<DataSourceException>(() => DataSources.OpenSource(root + "#train"));
        Assert.Throws<DataSourceException>(() => DataSources.OpenSource(Path.Combine(root, "missing")));
    }
}
