using Mth.Imaging;
using Mth.Train.Data;

namespace Mth.Train.Tests.Data;

public sealed class DatasetSplitTests
{
    private static NpzSource Source(int perClass = 20, int classes = 3)
    {
        var labels = Enumerable.Range(0, perClass * classes).Select(i => i % classes).ToArray();
        return NpzSource.Open(TestData.Npz(Path.Combine(TestData.TempDirectory(), "s.npz"), new Dictionary<string, int[]> { ["train"] = labels }, size: 6));
    }

    [Fact]
    public async Task Each_class_is_split_in_the_requested_proportions()
    {
        var split = await DatasetSplit.CreateAsync(Source(), new SplitFractions(0.6, 0.15, 0.25), seed: 7);

        foreach (var set in new[] { split.Train, split.Validation, split.Test })
        {
            var perClass = set.PositionsByClass.Select(p => p.Count).ToArray();
            Assert.All(perClass, count => Assert.Equal(perClass[0], count));
        }

        Assert.Equal([12, 3, 5], new[] { split.Train, split.Validation, split.Test }.Select(s => s.PositionsByClass[0].Count));
        Assert.Equal(60, split.Train.Count + split.Validation.Count + split.Test.Count);
        Assert.Empty(split.Train.SourceIndices.Intersect(split.Test.SourceIndices));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        var source = Source();
        var first = await DatasetSplit.CreateAsync(source, SplitFractions.Default, seed: 11);
        var again = await DatasetSplit.CreateAsync(source, SplitFractions.Default, seed: 11);
        var other = await DatasetSplit.CreateAsync(source, SplitFractions.Default, seed: 12);

        Assert.Equal(first.Assignment, again.Assignment);
        Assert.Equal(first.PartHash(SplitPart.Test), again.PartHash(SplitPart.Test));
        Assert.NotEqual(first.Assignment, other.Assignment);
        Assert.NotEqual(first.PartHash(SplitPart.Test), other.PartHash(SplitPart.Test));
    }

    [Fact]
    public async Task Byte_identical_images_land_in_the_same_part()
    {
        var root = TestData.TempDirectory();
        TestData.ClassFolders(root, classes: 2, perClass: 10);
        for (var copy = 0; copy < 4; copy++)
        {
            File.Copy(Path.Combine(root, "class_0", "img_000.png"), Path.Combine(root, "class_0", $"copy_{copy}.png"));
        }

        var source = ImageFolderSource.Open(root);
        for (ulong seed = 0; seed < 10; seed++)
        {
            var split = await DatasetSplit.CreateAsync(source, new SplitFractions(0.5, 0.2, 0.3), seed);
            var parts = source.Items.Select((item, i) => (item.Key, Part: split.Assignment[i]))
                .Where(x => x.Key.Contains("copy_") || x.Key.EndsWith("img_000.png", StringComparison.Ordinal) && x.Key.StartsWith("class_0", StringComparison.Ordinal))
                .Select(x => x.Part)
                .Distinct();
            Assert.Single(parts);
        }
    }

    [Fact]
    public async Task A_saved_split_reloads_to_the_same_parts_and_hashes()
    {
        var directory = TestData.TempDirectory();
        var root = TestData.ClassFolders(Path.Combine(directory, "images"), classes: 2, perClass: 8, withJpeg: true);
        var split = await DatasetSplit.CreateAsync(ImageFolderSource.Open(root), SplitFractions.Default, seed: 3);
        var file = Path.Combine(directory, "splits", "split.json");
        await split.SaveAsync(file);

        var reloaded = await DatasetSplit.LoadAsync(file);

        Assert.Equal(split.Assignment, reloaded.Assignment);
        Assert.Equal(3UL, reloaded.Seed);
        Assert.Equal(split.PartHash(SplitPart.Train), reloaded.PartHash(SplitPart.Train));
        Assert.Contains("\"source\": \"../images\"", await File.ReadAllTextAsync(file));
        var test = await DataSources.OpenSetAsync(file + "#test");
        Assert.Equal(split.Test.SourceIndices, test.SourceIndices);
        Assert.Equal("test", test.Name);
    }

    [Theory]
    [InlineData("img_002.png", "changed")]
    [InlineData("new.png", "does not list")]
    public async Task Reloading_detects_a_changed_or_added_image(string file, string reason)
    {
        var directory = TestData.TempDirectory();
        var root = TestData.ClassFolders(Path.Combine(directory, "images"), classes: 2, perClass: 4);
        var split = await DatasetSplit.CreateAsync(ImageFolderSource.Open(root), SplitFractions.Default, seed: 3);
        var splitFile = Path.Combine(directory, "split.json");
        await split.SaveAsync(splitFile);
        PngEncoder.Write(Path.Combine(root, "class_1", file), TestData.Pattern(21, 20, 0, 99));

        var error = await Assert.ThrowsAsync<DataSourceException>(() => DatasetSplit.LoadAsync(splitFile));

        Assert.Contains(reason, error.Message);
        Assert.Contains("class_1/" + file, error.Message);
    }

    [Fact]
    public async Task Reloading_detects_a_removed_image()
    {
        var directory = TestData.TempDirectory();
        var root = TestData.ClassFolders(Path.Combine(directory, "images"), classes: 2, perClass: 4);
        var split = await DatasetSplit.CreateAsync(ImageFolderSource.Open(root), SplitFractions.Default, seed: 3);
        var splitFile = Path.Combine(directory, "split.json");
        await split.SaveAsync(splitFile);
        File.Delete(Path.Combine(root, "class_0", "img_001.png"));

        var error = await Assert.ThrowsAsync<DataSourceException>(() => DatasetSplit.LoadAsync(splitFile));

        Assert.Contains("'class_0/img_001.png' of split file", error.Message);
    }

    [Fact]
    public async Task The_manifest_data_section_names_seed_hashes_and_counts_of_each_part()
    {
        var split = await DatasetSplit.CreateAsync(Source(), SplitFractions.Default, seed: 5);

        var data = split.ToManifestData();

        Assert.Equal(5UL, data.SplitSeed);
        Assert.Equal(split.PartHash(SplitPart.Test), data.SplitHashes!["test"]);
        Assert.Equal(split.Validation.Count, data.SplitCounts!["validation"]);
        Assert.Equal(split.Source.Description, data.Description);
    }

    [Fact]
    public async Task A_split_file_needs_a_part_selector()
    {
        var directory = TestData.TempDirectory();
        var split = await DatasetSplit.CreateAsync(Source(4), SplitFractions.Default, seed: 1);
        var file = Path.Combine(directory, "split.json");
        await split.SaveAsync(file);

        await Assert.ThrowsAsync<DataSourceException>(() => DataSources.OpenSetAsync(file));
        await Assert.ThrowsAsync<DataSourceException>(() => DataSources.OpenSetAsync(file + "#holdout"));
        Assert.Equal(split.Validation.Count, (await DataSources.OpenSetAsync(file + "#val")).Count);
    }
}
