using System.Diagnostics;
using Mth.Dicom.Data;
using Mth.Dicom.Imaging;
using Mth.Dicom.IO;
using Mth.Dicom.Json;
using Mth.Dicom.Tests.Imaging;
using Mth.Testing.Dicom;
using Xunit.Abstractions;

namespace Mth.Dicom.Tests.IO;

/// <summary>
/// Whatever the bytes, reading, validating, rendering, dumping and writing either succeed or
/// fail with a <see cref="DicomException"/>; never another exception, never unbounded memory.
/// </summary>
public sealed class MalformedInputTests : IClassFixture<MalformedInputTests.Seeds>
{
    private const long MemoryBoundPerCase = 64L << 20;
    private readonly Seeds _seeds;
    private readonly ITestOutputHelper _output;

    public MalformedInputTests(Seeds seeds, ITestOutputHelper output)
    {
        _seeds = seeds;
        _output = output;
    }

    /// <summary>Well-formed files of every encoding, built once by dcmtk: the starting points of the mutations.</summary>
    public sealed class Seeds : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public Seeds()
        {
            var structured = (FixtureEncoding encoding, string lengths) =>
                File.ReadAllBytes(SampleDataSets.Structured("1.2.3.4").Write(_directory, $"s-{encoding}{lengths}.dcm", encoding, lengths));
            var native = ImageFixtures.Grey(8, 8, 16, 12, 11, true, ImageFixtures.Pattern(3 * 64, -2048, 2047, 1), frames: 3)
                .Add("(0028,1050) DS [0\\100]").Add("(0028,1051) DS [1000\\50]")
                .Write(_directory, "frames.dcm");
            var rle = _directory.File("rle.dcm");
            Dcmtk.RunChecked("dcmcrle", native, rle);
            var colour = ImageFixtures.Colour(6, 6, "RGB", 1, ImageFixtures.RandomBytes(108, 2)).Write(_directory, "rgb.dcm");
            var rleColour = _directory.File("rle-rgb.dcm");
            Dcmtk.RunChecked("dcmcrle", colour, rleColour);
            Files =
            [
                structured(FixtureEncoding.ExplicitLittle, "-e"),
                structured(FixtureEncoding.ExplicitLittle, "+e"),
                structured(FixtureEncoding.ImplicitLittle, "-e"),
                structured(FixtureEncoding.ExplicitBig, "+e"),
                structured(FixtureEncoding.Deflated, "+e"),
                File.ReadAllBytes(native),
                File.ReadAllBytes(rle),
                File.ReadAllBytes(colour),
                File.ReadAllBytes(rleColour),
            ];
        }

        public IReadOnlyList<byte[]> Files { get; }

        public void Dispose() => _directory.Dispose();
    }

    [Fact]
    public void Thousands_of_random_mutations_only_ever_raise_dicom_exceptions()
    {
        // MTH_DICOM_FUZZ_CASES / MTH_DICOM_FUZZ_SEED run a longer campaign on demand.
        var target = int.TryParse(Environment.GetEnvironmentVariable("MTH_DICOM_FUZZ_CASES"), out var requested) ? requested : 6000;
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("MTH_DICOM_FUZZ_SEED"), out var seedValue) ? seedValue : 20240611);
        var limit = TimeSpan.FromSeconds(Math.Max(20, target / 200));
        var budget = Stopwatch.StartNew();
        var cases = 0;
        var refused = 0;
        while (cases < target && budget.Elapsed < limit)
        {
            var seed = _seeds.Files[random.Next(_seeds.Files.Count)];
            var bytes = Mutate(seed, random);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Exercise(bytes);
            }
            catch (DicomException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {cases}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}\nbytes: {Convert.ToBase64String(bytes)}");
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < MemoryBoundPerCase, $"case {cases} allocated {allocated} bytes for a {bytes.Length}-byte input");
            cases++;
        }

        _output.WriteLine($"{cases} cases in {budget.Elapsed.TotalSeconds:F1} s, {refused} refused with a DicomException");
        Assert.True(cases >= 2000, $"only {cases} cases ran in the time budget");
        // Both outcomes must occur, or the mutations are too weak or too destructive to test anything.
        Assert.InRange(refused, cases / 20, cases - cases / 20);
    }

    [Fact]
    public void Every_truncation_of_every_seed_is_read_or_refused_cleanly()
    {
        foreach (var seed in _seeds.Files)
        {
            for (var length = 0; length < seed.Length; length += Math.Max(1, seed.Length / 300))
            {
                try
                {
                    Exercise(seed[..length]);
                }
                catch (DicomException)
                {
                }
            }
        }
    }

    private static void Exercise(byte[] bytes)
    {
        using var file = DicomFile.Open(new MemoryStream(bytes), new DicomReaderOptions { LargeValueThreshold = 256 });
        if (!file.TransferSyntax.IsDeflated)
        {
            var start = file.Meta?.EncodedLength ?? 0;
            var validator = new DicomDataSetValidator(file.TransferSyntax);
            validator.Append(bytes.AsSpan(Math.Min(start, bytes.Length)));
            validator.Complete();
        }

        DicomJsonWriter.ToJson(file.DataSet);
        try
        {
            DicomImageRenderer.Render(file);
        }
        catch (DicomImageException)
        {
        }
        catch (DicomUnsupportedTransferSyntaxException)
        {
        }

        using var copy = new MemoryStream();
        DicomDataSetWriter.Write(copy, file.DataSet, file.TransferSyntax.IsEncapsulated ? file.TransferSyntax : TransferSyntax.ExplicitVRLittleEndian);
        foreach (var element in file.DataSet)
        {
            _ = file.DataSet.GetString(element.Tag);
            _ = file.DataSet.TryGetDouble(element.Tag, out _);
        }
    }

    /// <summary>Byte flips, length-field-sized overwrites with extreme values, deletions, insertions and duplications.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(1, 5);
        for (var m = 0; m < mutations && bytes.Count > 8; m++)
        {
            var position = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[position] = (byte)random.Next(256);
                    break;
                case 2:
                    uint[] extremes = [0, 1, 0xFFFF, 0xFFFE, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, (uint)random.Next()];
                    var value = extremes[random.Next(extremes.Length)];
                    for (var k = 0; k < 4 && position + k < bytes.Count; k++)
                    {
                        bytes[position + k] = (byte)(value >> (8 * k));
                    }

                    break;
                case 3:
                    bytes.RemoveRange(position, Math.Min(random.Next(1, 16), bytes.Count - position));
                    break;
                case 4:
                    bytes.InsertRange(position, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    var length = Math.Min(random.Next(8, 64), bytes.Count - position);
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(position, length));
                    break;
            }
        }

        return [.. bytes];
    }
}
