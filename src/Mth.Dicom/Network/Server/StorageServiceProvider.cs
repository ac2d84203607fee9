using System.Runtime.ExceptionServices;
using Mth.Dicom.Network.Dimse;
using Mth.Dicom.Network.UpperLayer;

namespace Mth.Dicom.Network.Server;

/// <summary>
/// The C-STORE service provider (PS3.4 annex B): checks a C-STORE command, hands its data set
/// to the <see cref="IDicomStoreHandler"/> (through validation when enabled) and decides the
/// status to answer. A network failure under the handler is rethrown for the association to end.
/// </summary>
internal sealed class StorageServiceProvider
{
    private readonly DicomServerOptions _options;
    private readonly IDicomStoreHandler _handler;
    private readonly IDicomNetworkLog _log;

    public StorageServiceProvider(DicomServerOptions options, IDicomStoreHandler handler, IDicomNetworkLog log)
    {
        _options = options;
        _handler = handler;
        _log = log;
    }

    /// <summary>Runs one C-STORE; <paramref name="name"/> names the association in log lines. The caller drains what is left of the data set.</summary>
    public async Task<DimseStatus> StoreAsync(string name, AssociationContext association, DimseCommand command, AcceptedPresentationContext context,
        DataSetStream dataSet, CancellationToken abort)
    {
        if (CheckCommand(command, context) is { } refusal)
        {
            return refusal;
        }

        var request = new DicomStoreRequest(association, context, command.AffectedSopClassUid!, command.AffectedSopInstanceUid!, command.MessageId)
        {
            Priority = command.Priority ?? 0,
            MoveOriginatorAeTitle = command.MoveOriginatorAeTitle,
            MoveOriginatorMessageId = command.MoveOriginatorMessageId,
        };
        var validating = _options.ValidateDataSets
            ? new ValidatingDataSetStream(dataSet, context.TransferSyntax, request.SopClassUid, request.SopInstanceUid, _options.ReaderOptions)
            : null;
        return await InvokeHandlerAsync(name, request, validating ?? (Stream)dataSet, dataSet, validating, abort).ConfigureAwait(false);
    }

    /// <summary>The refusal a C-STORE command earns before its data set is looked at, or null when it is acceptable.</summary>
    private static DimseStatus? CheckCommand(DimseCommand command, AcceptedPresentationContext context)
    {
        if (command.AffectedSopClassUid is not { } sopClass || !DicomUid.IsValid(sopClass))
        {
            return DimseStatus.CannotUnderstand.WithComment("Affected SOP Class UID missing or invalid");
        }

        if (sopClass != context.AbstractSyntax || sopClass == DicomNetworkUids.Verification)
        {
            return DimseStatus.SopClassNotSupported.WithComment("SOP class differs from the presentation context");
        }

        if (command.AffectedSopInstanceUid is not { } instance || !DicomUid.IsValid(instance))
        {
            return DimseStatus.CannotUnderstand.WithComment("Affected SOP Instance UID missing or invalid");
        }

        return null;
    }

    private async Task<DimseStatus> InvokeHandlerAsync(string name, DicomStoreRequest request, Stream handlerStream, DataSetStream dataSet,
        ValidatingDataSetStream? validating, CancellationToken abort)
    {
        DimseStatus status;
        try
        {
            status = await _handler.StoreAsync(request, handlerStream, abort).ConfigureAwait(false);
        }
        catch (Exception) when (dataSet.Fault is not null)
        {
            // The network failed under the handler: the association cannot answer, only end.
            ExceptionDispatchInfo.Throw(dataSet.Fault);
            throw;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (validating?.Rejection is not null)
        {
            return Refused(name, validating.Rejection);
        }
        catch (DataSetRejectedException ex)
        {
            return Refused(name, ex);
        }
        catch (IOException ex)
        {
            _log.Write(DicomLogLevel.Error, $"{name}: storing an instance failed: {ex.Message}", ex);
            return DimseStatus.OutOfResources.WithComment("The instance could not be written");
        }
        catch (Exception ex)
        {
            _log.Write(DicomLogLevel.Error, $"{name}: the store handler failed: {ex.Message}", ex);
            return DimseStatus.ProcessingFailure.WithComment("The instance could not be processed");
        }

        if (dataSet.Fault is not null)
        {
            ExceptionDispatchInfo.Throw(dataSet.Fault);
        }

        if (validating?.Rejection is { } rejection)
        {
            return Refused(name, rejection);
        }

        if (status.IsSuccessOrWarning && !dataSet.IsComplete)
        {
            // Success must mean the whole instance is durable; a handler that did not read it all cannot know that.
            _log.Write(DicomLogLevel.Error, $"{name}: the store handler reported {status} without reading the whole data set.");
            return DimseStatus.ProcessingFailure.WithComment("The instance was not read to its end");
        }

        return status;
    }

    private DimseStatus Refused(string name, DataSetRejectedException rejection)
    {
        _log.Write(DicomLogLevel.Warning, $"{name}: data set refused: {rejection.Message}");
        return rejection.Status;
    }
}
