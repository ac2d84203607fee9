using System.Collections;

namespace Mth.Dicom.Data;

/// <summary>
/// A data set (PS3.5 7): elements in ascending tag order. Also the type of sequence items,
/// which inherit the Specific Character Set of the data set that holds them.
/// </summary>
public sealed partial class DicomDataSet : IEnumerable<DicomElement>
{
    private readonly List<DicomElement> _elements = [];
    private DicomCharacterSet? _characterSet;

    public DicomDataSet()
    {
    }

    public DicomDataSet(IEnumerable<DicomElement> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        foreach (var element in elements)
        {
            Set(element);
        }
    }

    public int Count => _elements.Count;

    /// <summary>The elements in tag order.</summary>
    public IReadOnlyList<DicomElement> Elements => _elements;

    /// <summary>The data set whose sequence holds this one as an item (null at the top level).</summary>
    public DicomDataSet? Parent { get; private set; }

    /// <summary>As a sequence item: written with undefined length and an item delimiter (else with its length computed).</summary>
    public bool UndefinedLength { get; set; }

    /// <summary>The element with this tag, or null.</summary>
    public DicomElement? this[DicomTag tag] => IndexOf(tag) is var index and >= 0 ? _elements[index] : null;

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public bool TryGetElement(DicomTag tag, out DicomElement element)
    {
        var index = IndexOf(tag);
        element = index >= 0 ? _elements[index] : null!;
        return index >= 0;
    }

    /// <summary>Adds an element or replaces the one with the same tag; sequence items get this data set as parent.</summary>
    public void Set(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element is DicomSequence sequence)
        {
            foreach (var item in sequence.Items)
            {
                item.Parent = this;
            }
        }

        if (element.Tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        // Elements arrive in ascending order when read: appending is the common case.
        if (_elements.Count == 0 || _elements[^1].Tag < element.Tag)
        {
            _elements.Add(element);
            return;
        }

        var index = IndexOf(element.Tag);
        if (index >= 0)
        {
            _elements[index] = element;
        }
        else
        {
            _elements.Insert(~index, element);
        }
    }

    public bool Remove(DicomTag tag)
    {
        var index = IndexOf(tag);
        if (index < 0)
        {
            return false;
        }

        _elements.RemoveAt(index);
        if (tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        return true;
    }

    /// <summary>Adds an item to a sequence of this data set, making this data set the item's parent.</summary>
    public void AddItem(DicomSequence sequence, DicomDataSet item)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(item);
        item.Parent = this;
        sequence.Items.Add(item);
    }

    /// <summary>
    /// The Specific Character Set in force: this data set's (0008,0005), else its parent's
    /// (an item inherits it, PS3.5 7.5.3), else the default repertoire.
    /// </summary>
    public DicomCharacterSet CharacterSet => _characterSet ??= ResolveCharacterSet();

    public IEnumerator<DicomElement> GetEnumerator() => _elements.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private DicomCharacterSet ResolveCharacterSet()
    {
        if (this[DicomTag.SpecificCharacterSet] is DicomValueElement element)
        {
            var terms = DicomCharacterSet.Default.Decode(element.Value.GetMemory().Span, DicomVR.CS).Split('\\');
            return DicomCharacterSet.FromTerms(terms);
        }

        return Parent?.CharacterSet ?? DicomCharacterSet.Default;
    }

    private void InvalidateCharacterSet()
    {
        _characterSet = null;
        foreach (var element in _elements)
        {
            if (element is DicomSequence sequence)
            {
                foreach (var item in sequence.Items)
                {
                    item.InvalidateCharacterSet();
                }
            }
        }
    }

    /// <summary>Binary search: the index of the tag, or the complement of where it would go.</summary>
    private int IndexOf(DicomTag tag)
    {
        var target = tag.Value;
        int low = 0, high = _elements.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var value = _elements[middle].Tag.Value;
            if (value == target)
            {
                return middle;
            }

            if (value < target)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }
}
