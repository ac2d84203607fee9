using Mth.Dicom.Network;
using Mth.Dicom.Network.Server;
using Mth.Dicom.Network.Storage;
using Mth.Dicom.Network.UpperLayer;
using Mth.Testing.Dicom;
using Mth.Testing.DicomNetwork;

namespace Mth.Dicom.Tests.Network.Storage;

/// <summary>What the file-store tests share: storing through the handler interface as the SCP does after validation, seeded bytes, waiting for background work.</summary>
internal static class DirectStores
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A C-STORE of a CT image with <paramref name="uid"/>, on an explicit VR little endian context.</summary>
    public static DicomStoreRequest Request(string uid)
    {
        var association = new AssociationContext(0, "TEST", "MTH", null, DicomImplementation.ClassUid, null);
        var context = new AcceptedPresentationContext(1, TestImageSpec.CTImageStorage, TransferSyntax.ExplicitVRLittleEndian);
        return new DicomStoreRequest(association, context, TestImageSpec.CTImageStorage, uid, 1);
    }

    /// <summary>Stores a data set through the handler interface, asserts success and waits until its file is in place.</summary>
    public static async Task StoreDirectAsync(FileSystemInstanceStore store, string uid, byte[] dataSet)
    {
        var status = await store.StoreAsync(Request(uid), new MemoryStream(dataSet), CancellationToken.None);
        Assert.True(status.IsSuccess);
        // A spooled instance is put in place just after its answer.
        await store.WhenPlacedAsync();
    }

    /// <summary>Seeded bytes standing for a data set (the store keeps what it is given; the SCP validated it before).</summary>
    public static byte[] DataSet(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Returns once <paramref name="condition"/> holds; fails after 10 s.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Patience, $"{what} did not happen within {Patience.TotalSeconds} s.");
            await Task.Delay(10);
        }
    }
}
