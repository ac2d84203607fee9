using Mth.Encoding.Images;
using Mth.Encoding.Preprocessing;
using Mth.Imaging;
using Mth.Train.Data;

namespace Mth.Train.Tests.Data;

public sealed class InputPipelineTests
{
    private static readonly PreprocessingOptions Options = new(16, [0.4f, 0.5f, 0.6f], [0.2f, 0.25f, 0.3f]);

    [Fact]
    public async Task Training_inputs_are_bit_identical_to_what_the_encoding_library_makes_of_the_same_file()
    {
        var root = TestData.ClassFolders(TestData.TempDirectory(), classes: 2, perClass: 3, size: 37, withJpeg: true);
        var colour = Path.Combine(root, "class_1", "colour.png");
        PngEncoder.Write(colour, TestData.Pattern(30, 41, 1, 5, channels: 3));
        var set = ImageSet.All(ImageFolderSource.Open(root));
        var preprocessor = new ImagePreprocessor(Options);
        var builder = new InputBatchBuilder(set, new PreprocessedImageCache(set.Source, preprocessor), preprocessor);

        var batch = await builder.BuildAsync(Enumerable.Range(0, set.Count).ToArray());

        // The serving path: the encoder and query service decode the file and preprocess it in one call.
        var serving = new ImagePreprocessor(Options);
        for (var row = 0; row < set.Count; row++)
        {
            var expected = serving.Preprocess(ImageDecoderChain.Default.Read(Path.Combine(root, set.Key(row))));
            Assert.Equal(expected, batch.Input(row).ToArray());
        }

        var colourPosition = Enumerable.Range(0, set.Count).Single(i => set.Key(i).EndsWith("colour.png", StringComparison.Ordinal));
        Assert.Equal(3, (await set.LoadAsync(colourPosition)).Channels);
    }

    [Fact]
    public async Task Batches_carry_labels_and_positions_in_the_requested_order()
    {
        var set = ImageSet.All(ImageFolderSource.Open(TestData.ClassFolders(TestData.TempDirectory(), classes: 3, perClass: 2)));
        var preprocessor = new ImagePreprocessor(Options);
        var builder = new InputBatchBuilder(set, new PreprocessedImageCache(set.Source, preprocessor), preprocessor);

        var batch = await builder.BuildAsync([5, 0, 3]);

        Assert.Equal([2, 0, 1], batch.Labels);
        Assert.Equal([5, 0, 3], batch.Positions);
        Assert.Equal(3 * 3 * 16 * 16, batch.Inputs.Length);
        var all = new List<int>();
        await foreach (var part in builder.InOrderAsync(4))
        {
            all.AddRange(part.Positions);
        }

        Assert.Equal(Enumerable.Range(0, 6), all);
    }

    [Fact]
    public async Task A_cache_over_budget_recomputes_instead_of_storing_and_gives_the_same_values()
    {
        var source = ImageFolderSource.Open(TestData.ClassFolders(TestData.TempDirectory(), classes: 2, perClass: 3));
        var preprocessor = new ImagePreprocessor(Options);
        var full = new PreprocessedImageCache(source, preprocessor);
        var oneImage = new PreprocessedImageCache(source, preprocessor, maxBytes: 16 * 16 * 4 + 100);

        await full.WarmAsync(Enumerable.Range(0, 6).ToArray());
        await oneImage.WarmAsync(Enumerable.Range(0, 6).ToArray());

        Assert.Equal(6, full.CachedCount);
        Assert.Equal(1, oneImage.CachedCount);
        Assert.True(oneImage.CachedBytes <= oneImage.MaxBytes);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal((await full.GetAsync(i)).Data, (await oneImage.GetAsync(i)).Data);
        }
    }

    [Fact]
    public async Task Grey_images_are_cached_as_one_channel()
    {
        var source = ImageFolderSource.Open(TestData.ClassFolders(TestData.TempDirectory(), classes: 1, perClass: 1));
        var cache = new PreprocessedImageCache(source, new ImagePreprocessor(Options));

        var image = await cache.GetAsync(0);

        Assert.Equal(1, image.Channels);
        Assert.Equal(16 * 16 * 4 + 64, cache.CachedBytes);
    }

    [Fact]
    public async Task The_same_augmentation_seed_gives_the_same_batch_and_another_seed_another()
    {
        var set = ImageSet.All(ImageFolderSource.Open(TestData.ClassFolders(TestData.TempDirectory(), classes: 2, perClass: 4, size: 24)));
        var preprocessor = new ImagePreprocessor(Options);
        var builder = new InputBatchBuilder(set, new PreprocessedImageCache(set.Source, preprocessor), preprocessor, AugmentationOptions.Standard);
        int[] positions = [0, 1, 2, 3, 4, 5, 6, 7];

        var first = await builder.BuildAsync(positions, new SeededRandom(5UL));
        var again = await builder.BuildAsync(positions, new SeededRandom(5UL));
        var other = await builder.BuildAsync(positions, new SeededRandom(6UL));
        var plain = await builder.BuildAsync(positions);

        Assert.Equal(first.Inputs, again.Inputs);
        Assert.NotEqual(first.Inputs, other.Inputs);
        Assert.NotEqual(first.Inputs, plain.Inputs);
    }

    [Fact]
    public void Identity_augmentation_leaves_the_image_unchanged()
    {
        var image = TestData.Pattern(12, 12, 1, 1);
        var result = new ImageAugmenter(AugmentationOptions.None).Apply(image, new SeededRandom(1UL));
        Assert.Equal(image.Data, result.Data);
    }

    [Fact]
    public void A_horizontal_flip_mirrors_each_row_exactly()
    {
        var image = TestData.Pattern(9, 7, 2, 3);
        var augmenter = new ImageAugmenter(new AugmentationOptions { HorizontalFlip = true });
        // Find a seed whose first draw flips (probability 1/2 each).
        var flipped = Enumerable.Range(0, 20)
            .Select(seed => augmenter.Apply(image, new SeededRandom((ulong)seed)))
            .First(result => result.Data[0] != image.Data[0]);

        for (var y = 0; y < 7; y++)
        {
            for (var x = 0; x < 9; x++)
            {
                Assert.Equal(image[0, y, 8 - x], flipped[0, y, x]);
            }
        }
    }

    [Fact]
    public void A_shift_moves_content_and_fills_with_black()
    {
        var image = new FloatImage(10, 10, 1);
        image.Data.AsSpan().Fill(1f);
        var augmenter = new ImageAugmenter(new AugmentationOptions { MaxShiftFraction = 0.3 });

        var shifted = augmenter.Apply(image, new SeededRandom(3UL));

        Assert.True(shifted.Data.Min() < 0.5f);
        Assert.True(shifted.Data.Max() > 0.999f);
        Assert.All(shifted.Data, value => Assert.InRange(value, 0f, 1f));
    }

    [Fact]
    public async Task Channel_statistics_of_constant_images_are_their_values()
    {
        var root = TestData.TempDirectory();
        Directory.CreateDirectory(Path.Combine(root, "a"));
        var dark = new FloatImage(8, 8, 1);
        dark.Data.AsSpan().Fill(0.2f);
        var bright = new FloatImage(8, 8, 1);
        bright.Data.AsSpan().Fill(0.6f);
        PngEncoder.Write(Path.Combine(root, "a", "dark.png"), dark);
        PngEncoder.Write(Path.Combine(root, "a", "bright.png"), bright);
        var set = ImageSet.All(ImageFolderSource.Open(root));

        var statistics = await ChannelStatistics.ComputeAsync(set, new PreprocessedImageCache(set.Source, new ImagePreprocessor(Options)));

        var mean = (51 + 153) / 2 / 255.0;
        Assert.All(statistics.Mean, m => Assert.Equal(mean, m, 5));
        Assert.All(statistics.Std, s => Assert.Equal((153 - 51) / 2 / 255.0, s, 5));
    }
}
