using System.Diagnostics;
using System.Net;
using Mth.Contracts.V1;
using Mth.Dicom;
using Mth.Dicom.IO;
using Mth.Pipeline.Tests.Pipeline;
using Mth.Testing.Dicom;
using Mth.Testing.RabbitMq;
using Mth.Testing.Redis;
using Xunit.Abstractions;

namespace Mth.Pipeline.Tests;

/// <summary>
/// The 45 real-world and test DICOM samples of the shared data folder (MTH_SHARED_DATA; not shipped, so these tests
/// carry Category=SharedCorpus, which ./mth test leaves out when the folder is absent) pushed through the whole
/// pipeline: every file ends searchable or with a recorded reason, and no service falls over.
/// </summary>
[Collection(PipelineCollection.Name)]
[Trait("Category", "SharedCorpus")]
public sealed class SharedCorpusTests(RabbitMqFixture broker, RedisServerFixture redis, ITestOutputHelper output)
    : IClassFixture<RabbitMqFixture>, IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_shared_sample_pushed_with_storescu_is_searchable_or_has_a_recorded_reason_and_no_service_fails()
    {
        var files = Directory.GetFiles(CorpusFolder(), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(45, files.Count);
        using var work = new TemporaryDirectory();
        await using var services = await PipelineServices.StartAsync(work.Path, broker.AmqpUri, redis.Connection, redis.EndPoint);
        try
        {
            // One association per file, proposing the file's own transfer syntax as a modality would, so that each
            // file's outcome is its own and Ingest, not storescu, decides what is accepted.
            var outcomes = new List<(string File, string? Sop, string Outcome)>();
            var stored = new List<(string File, string Sop)>();
            foreach (var file in files)
            {
                var name = Path.GetRelativePath(CorpusFolder(), file);
                var header = Header(file);
                var result = await services.StoreAsync([.. ProposalFor(header.TransferSyntaxUid), file]);
                var errors = result.Output.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal) || l.StartsWith("F:", StringComparison.Ordinal)).ToList();
                if (result.Succeeded && errors.Count == 0 && header.Sop is not null)
                {
                    stored.Add((name, header.Sop));
                    continue;
                }

                // A refusal must have a cause that can be named without the pipeline.
                var cause = header.Sop is null || header.SopClass is null ? "the data set has no SOP Class/Instance UID, or is not a readable Part 10 file"
                    : !Mth.Dicom.Imaging.DicomPixelDecoding.DecodableTransferSyntaxes.Any(t => t.Uid == header.TransferSyntaxUid) ? $"transfer syntax {TransferSyntax.Lookup(header.TransferSyntaxUid!).Name} not accepted"
                    : !PipelineServices.StorageSopClasses.Contains(header.SopClass) ? $"SOP class {header.SopClass} not accepted"
                    : null;
                Assert.True(cause is not null, $"{name} was refused without a known cause: {result}");
                outcomes.Add((name, header.Sop, $"refused ({cause}); storescu: {errors.FirstOrDefault()}"));
            }

            var clock = Stopwatch.StartNew();
            var open = stored.ToList();
            while (open.Count > 0 && clock.Elapsed < Bound)
            {
                var skipped = services.Messages.Received<InstanceEncoded>().Where(m => m.Message.SkippedReason is not null)
                    .ToDictionary(m => m.Message.SopInstanceUid, m => m.Message.SkippedReason!, StringComparer.Ordinal);
                foreach (var (file, sop) in open.ToList())
                {
                    if ((await services.SimilarInstancesAsync(sop, 1)).Status == HttpStatusCode.OK)
                    {
                        outcomes.Add((file, sop, "searchable"));
                        open.Remove((file, sop));
                    }
                    else if (skipped.TryGetValue(sop, out var reason))
                    {
                        outcomes.Add((file, sop, "stored, skipped: " + reason));
                        open.Remove((file, sop));
                    }
                }

                await Task.Delay(200);
            }

            foreach (var outcome in outcomes.OrderBy(o => o.File, StringComparer.Ordinal))
            {
                output.WriteLine($"{outcome.File}: {outcome.Outcome}");
            }

            Assert.True(open.Count == 0, $"stored, but neither searchable nor skipped within {Bound.TotalSeconds:F0} s: {string.Join(", ", open.Select(o => o.File))}");
            Assert.Equal(files.Count, outcomes.Count);
            Assert.Empty(services.Exited);
            var searchable = outcomes.Where(o => o.Outcome == "searchable").Select(o => o.Sop).Distinct().Count();
            output.WriteLine($"{outcomes.Count(o => o.Outcome == "searchable")} files ({searchable} distinct instances) searchable, {outcomes.Count(o => o.Outcome.StartsWith("stored, skipped", StringComparison.Ordinal))} skipped, {outcomes.Count(o => o.Outcome.StartsWith("refused", StringComparison.Ordinal))} refused");
            Assert.True(searchable >= 10, $"only {searchable} distinct instances searchable");
            // Still serving after everything it was sent.
            Assert.Equal(HttpStatusCode.OK, (await services.SimilarInstancesAsync(outcomes.First(o => o.Outcome == "searchable").Sop!, 5)).Status);
        }
        catch
        {
            output.WriteLine(services.LogTails());
            throw;
        }
    }

    private static string CorpusFolder()
    {
        var named = Environment.GetEnvironmentVariable("MTH_SHARED_DATA");
        if (string.IsNullOrWhiteSpace(named))
        {
            throw new InvalidOperationException("MTH_SHARED_DATA is not set: run through ./mth test, or leave Category=SharedCorpus out.");
        }

        return Directory.Exists(Path.Combine(named, "dicom")) ? Path.Combine(named, "dicom") : named;
    }

    /// <summary>What the file says about itself; nulls where our reader cannot read it (a file without a Part 10 header, say).</summary>
    private static (string? Sop, string? SopClass, string? TransferSyntaxUid) Header(string path)
    {
        try
        {
            using var file = DicomFile.Open(path);
            // The data set's own UIDs: a C-STORE carries those (the file meta is not sent).
            return (NullIfEmpty(file.DataSet.GetUid(DicomTag.SOPInstanceUID)), NullIfEmpty(file.DataSet.GetUid(DicomTag.SOPClassUID)), file.TransferSyntax.Uid);
        }
        catch (DicomFormatException)
        {
            return (null, null, null);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>storescu's option proposing the file's own transfer syntax (besides the uncompressed ones); none for uncompressed files.</summary>
    private static string[] ProposalFor(string? transferSyntaxUid) => transferSyntaxUid switch
    {
        "1.2.840.10008.1.2.5" => ["-xr"],
        "1.2.840.10008.1.2.1.99" => ["-xd"],
        "1.2.840.10008.1.2.4.50" => ["-xy"],
        "1.2.840.10008.1.2.4.51" => ["-xx"],
        "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70" => ["-xs"],
        "1.2.840.10008.1.2.4.80" => ["-xt"],
        "1.2.840.10008.1.2.4.81" => ["-xu"],
        "1.2.840.10008.1.2.4.90" => ["-xv"],
        "1.2.840.10008.1.2.4.91" => ["-xw"],
        _ => [],
    };
}
