"""A chunk of a large PDF as a worker process hands it over: WeasyPrint's objects, serialised, and
what the merge (exports.pdf_merge) must know of them, found while they are still Python objects.

Parsing written PDFs again to merge them costs more than laying them out (pypdf: about a
millisecond an object, and a 1,000-activity export has some 500,000), so a chunk is never written
as a PDF: WeasyPrint's ``generate_pdf`` builds its pydyf objects, and each is serialised once here.
The worker also prepares what differs in the merged PDF, so that the merge only renumbers:
- each page draws its content between ``q``/``Q``, then the page's header and footer as an
  ``/Artifact`` (a form named ``/RopaPagination`` in the page's own resources; a placeholder object
  here, the overlay's page in the merge);
- the table header cells' ``/ID`` (and the ``/Headers`` naming them) carry the chunk's prefix;
- a link annotation that WeasyPrint gives a box inside a link is held by that link's ``/Link``;
- the pages of a piece of the overlay become form XObjects.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any

import pydyf

FORM = "RopaPagination"
_OPEN = b"q"
_CLOSE = b"Q\n/Artifact <</Type /Pagination>> BDC\nq /RopaPagination Do Q\nEMC"
# The catalog entries the merge makes itself; every other entry of the first chunk's is kept.
REBUILT = ("Type", "Pages", "StructTreeRoot", "Outlines", "Names")


@dataclasses.dataclass
class Part:
    """One chunk's objects (by their number in the chunk) and its structure, ready to renumber."""

    objects: list[tuple[bytes, bytes | None]]  # (dictionary or value, stream data) by number; [0] unused
    skip: set[int]  # numbers the merge makes itself or drops
    pages: list[int]  # the page objects, in order
    wide: list[bool]  # landscape pages
    anchors: dict[str, int]  # the page index of each anchor
    special: dict[str, int] = dataclasses.field(default_factory=dict)  # pages root, tree root, document
    forms: list[int] = dataclasses.field(
        default_factory=list
    )  # per page: the form placeholder, or the overlay's form
    kids: list[int] = dataclasses.field(default_factory=list)  # the /Document element's kids
    nums: list[list[int]] = dataclasses.field(default_factory=list)  # per page: the elements of its MCIDs
    annotations: list[tuple[int, int, int]] = dataclasses.field(
        default_factory=list
    )  # (key - pages, annot, element)
    ids: list[tuple[str, int]] = dataclasses.field(default_factory=list)  # (/ID, element)
    dests: list[tuple[bytes, str, int, float, float]] = dataclasses.field(default_factory=list)
    outline: list[list[Any]] = dataclasses.field(default_factory=list)  # [title bytes, page, x, y, children]
    catalog: dict[str, bytes] = dataclasses.field(default_factory=dict)
    tree: dict[str, bytes] = dataclasses.field(default_factory=dict)  # the tree root's other entries
    document: dict[str, bytes] = dataclasses.field(default_factory=dict)  # the /Document element's others
    info: bytes = b""
    version: bytes = b"1.7"


def number(reference: Any) -> int:
    """The object number of a pydyf reference (``b"12 0 R"``)."""
    return int(bytes(reference).split()[0])


def _stream(obj: pydyf.Stream) -> tuple[bytes, bytes]:
    """A stream as pydyf writes it (``Stream.data``), dictionary and data apart."""
    data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
    extra = pydyf.Dictionary(obj.extra.copy())
    if obj.compress:
        extra["Filter"] = "/FlateDecode"
        compressor = zlib.compressobj(level=9)
        data = compressor.compress(data) + compressor.flush()
    extra["Length"] = len(data)
    return extra.data, data


def _serialise(pdf: Any, skip: set[int]) -> list[tuple[bytes, bytes | None]]:
    objects: list[tuple[bytes, bytes | None]] = [(b"", None)]
    for obj in pdf.objects[1:]:
        if obj.number in skip:
            objects.append((b"null", None))
        elif isinstance(obj, pydyf.Stream):
            objects.append(_stream(obj))
        else:
            objects.append((obj.data, None))
    return objects


def _outline(pdf: Any, reference: Any, page_index: dict[int, int], skip: set[int]) -> list[list[Any]]:
    nodes = []
    while reference is not None:
        skip.add(number(reference))
        item = pdf.objects[number(reference)]
        destination = item["Dest"]
        children = _outline(pdf, item.get("First"), page_index, skip)
        nodes.append(
            [item["Title"].data, page_index[number(destination[0])], destination[2], destination[3], children]
        )
        reference = item.get("Next")
    return nodes


def _pages(pdf: Any) -> list[Any]:
    return [pdf.objects[n] for n in pdf.pages["Kids"][::3]]


def _wide(page: Any) -> bool:
    left, top, right, bottom = page["MediaBox"]
    return bool(right - left > bottom - top)


def _prefix_ids(pdf: Any, prefix: str) -> list[tuple[str, int]]:
    """Every table header cell's /ID, and the cells' /Headers naming them, made unique in the merge."""
    ids = []
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Type") != "/StructElem":
            continue
        if "ID" in obj:
            obj["ID"] = pydyf.String(prefix + str(obj["ID"].string))
            ids.append((str(obj["ID"].string), obj.number))
        attributes = obj.get("A")
        if isinstance(attributes, dict) and "Headers" in attributes:
            attributes["Headers"] = pydyf.Array(
                pydyf.String(prefix + str(h.string)) for h in attributes["Headers"]
            )
    return ids


def _draw_pagination(pdf: Any, pages: list[Any], skip: set[int]) -> list[int]:
    """Each page's content between q/Q, then its pagination form (a placeholder) as an artifact."""
    opening, closing = pydyf.Stream([_OPEN]), pydyf.Stream([_CLOSE])
    pdf.add_object(opening)
    pdf.add_object(closing)
    shared: dict[bytes, Any] = {}
    forms = []
    for page in pages:
        placeholder = pydyf.Dictionary()
        pdf.add_object(placeholder)
        skip.add(placeholder.number)
        forms.append(placeholder.number)
        key = bytes(page["Resources"])
        if key not in shared:
            resources = pdf.objects[number(key)]
            xobjects = resources.get("XObject", pydyf.Dictionary())
            if isinstance(xobjects, bytes | str):
                xobjects = pdf.objects[number(xobjects)]
            shared[key] = (resources, xobjects)
        resources, xobjects = shared[key]
        own = pydyf.Dictionary(
            {**resources, "XObject": pydyf.Dictionary({**xobjects, FORM: placeholder.reference})}
        )
        page["Resources"] = own
        page["Contents"] = pydyf.Array([opening.reference, page["Contents"], closing.reference])
    return forms


def _links_hold_their_annotations(pdf: Any, entries: Any, annotated: dict[int, int]) -> None:
    """Every link annotation's structure element a /Link, as PDF/UA wants (ISO 14289-1, 7.18.5).

    WeasyPrint 70 gives each box inside a link an annotation of its own, and the structure element
    of that box holds it: the contents' ``<span class="ref">`` inside its ``<a>`` is a /Span with an
    annotation. Its object reference moves into the nearest /Link above it, before the child that led
    there, and the parent tree (``entries``, its /Nums) names that /Link for the annotation."""
    for index in range(1, len(entries), 2):
        key = entries[index - 1]
        if key not in annotated:  # a page's marked content
            continue
        element = pdf.objects[number(entries[index])]
        if element.get("S") == "/Link":
            continue
        child, link = element, pdf.objects[number(element["P"])]
        while link.get("Type") == "/StructElem" and link.get("S") != "/Link":
            child, link = link, pdf.objects[number(link["P"])]
        if link.get("S") != "/Link":  # no link above: the element is the link
            element["S"] = "/Link"
            continue
        held = [k for k in element["K"] if isinstance(k, bytes)]
        obj = next(k for k in held if number(pdf.objects[number(k)].get("Obj", b"0")) == annotated[key])
        element["K"].remove(obj)
        kids = link["K"]
        kids.insert(kids.index(child.reference) if child.reference in kids else len(kids), obj)
        entries[index] = link.reference


def links_hold_their_annotations(pdf: Any) -> None:
    """``_links_hold_their_annotations`` on a whole document WeasyPrint generated (``exports.pdf.finish``)."""
    tree = pdf.objects[number(pdf.catalog["StructTreeRoot"])]
    entries = pdf.objects[number(tree["ParentTree"])]["Nums"]
    annotated = {
        obj["StructParent"]: obj.number
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and "StructParent" in obj
    }
    _links_hold_their_annotations(pdf, entries, annotated)


def capture(document: Any, pdf: Any, prefix: str, finish: Any) -> Part:
    """The chunk ``pdf`` that WeasyPrint generated for ``document``, tagged and finished by ``finish``."""
    finish(document, pdf)
    pages = _pages(pdf)
    page_index = {page.number: i for i, page in enumerate(pages)}
    catalog = pdf.catalog
    skip = {catalog.number, pdf.pages.number}
    part = Part(
        objects=[],
        skip=skip,
        pages=[p.number for p in pages],
        wide=[_wide(p) for p in pages],
        anchors={name: i for i, page in enumerate(document.pages) for name in page.anchors},
        special={"pages": pdf.pages.number},
        info=pdf.info.data,
    )
    part.ids = _prefix_ids(pdf, prefix)
    part.forms = _draw_pagination(pdf, pages, skip)
    tree = pdf.objects[number(catalog["StructTreeRoot"])]
    document_element = pdf.objects[number(tree["K"][0])]
    parent_tree = pdf.objects[number(tree["ParentTree"])]
    skip |= {tree.number, document_element.number, parent_tree.number}
    part.special |= {"tree": tree.number, "document": document_element.number}
    part.tree = {k: pydyf._to_bytes(v) for k, v in tree.items() if k not in ("Type", "K", "ParentTree")}
    part.document = {k: pydyf._to_bytes(v) for k, v in document_element.items() if k not in ("K", "P")}
    part.kids = [number(k) for k in document_element["K"]]
    entries = parent_tree["Nums"]
    annotated = {
        obj["StructParent"]: obj.number
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and "StructParent" in obj
    }
    _links_hold_their_annotations(pdf, entries, annotated)
    for key, value in zip(entries[::2], entries[1::2], strict=True):
        if key < len(pages):
            part.nums.append([number(v) for v in value])
        else:
            part.annotations.append((key - len(pages), annotated[key], number(value)))
    if "Outlines" in catalog:
        outlines = pdf.objects[number(catalog["Outlines"])]
        skip.add(outlines.number)
        part.outline = _outline(pdf, outlines.get("First"), page_index, skip)
    names = catalog.get("Names", {})
    found = names.get("Dests", {}).get("Names", [])
    for name, where in zip(found[::2], found[1::2], strict=True):
        part.dests.append((name.data, str(name.string), page_index[number(where[0])], where[2], where[3]))
    part.catalog = {k: pydyf._to_bytes(v) for k, v in catalog.items() if k not in REBUILT}
    if "Metadata" in catalog:  # the first chunk's stands for the document: the others' are left out
        part.special["metadata"] = number(catalog["Metadata"])
    if "EmbeddedFiles" in names:
        part.catalog["Names"] = b"<</EmbeddedFiles " + pydyf._to_bytes(names["EmbeddedFiles"]) + b">>"
    part.objects = _serialise(pdf, skip)
    return part


def capture_overlay(document: Any, pdf: Any, lead: int = 0) -> Part:
    """The overlay's pages as form XObjects (their content streams, with their resources and box),
    but its ``lead`` first pages, left out."""
    pages = _pages(pdf)
    skip = {pdf.catalog.number, pdf.pages.number, *(p.number for p in pages)}
    skip |= {number(p["Contents"]) for p in pages[:lead]}
    forms = []
    for page in pages[lead:]:
        form = pdf.objects[number(page["Contents"])]
        form.extra.update(
            {"Type": "/XObject", "Subtype": "/Form", "BBox": page["MediaBox"], "Resources": page["Resources"]}
        )
        forms.append(form.number)
    for key in ("Outlines", "Metadata"):
        if key in pdf.catalog:
            skip.add(number(pdf.catalog[key]))
    wide = [_wide(p) for p in pages[lead:]]
    part = Part(objects=[], skip=skip, pages=[], wide=wide, anchors={}, forms=forms)
    part.objects = _serialise(pdf, skip)
    return part
