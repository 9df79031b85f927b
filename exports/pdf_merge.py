"""The chunks of a large PDF (exports.pdf_parts) joined into one tagged PDF.

Each chunk's objects are renumbered into the merged file, in order; what must be one in the whole
document is made once here:
- the structure tree: one ``/Document`` element holding every chunk's elements in page order, one
  parent tree keyed by the merged page numbers (``/StructParents``) and then by the annotations
  (``/StructParent``), and an ``/IDTree`` of the table header cells' identifiers;
- the named destinations of the contents' links, each at the page of the chunk that holds it;
- the bookmarks, an activity's under its part when the part began in an earlier chunk;
- the catalog's language, metadata (XMP), output intent and attachment, from the first chunk;
- each page's header and footer: the overlay's page, a form drawn as an ``/Artifact``.
Objects are compressed into object streams with a cross-reference stream, as WeasyPrint writes
them. The same chunks give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from typing import Any

from exports.pdf_parts import Part

# A reference, or a literal string (skipped whole: register text may read "12 0 R"); pydyf escapes
# every parenthesis and backslash inside a literal string, so a string never nests.
_TOKEN = re.compile(rb"\((?:\\.|[^\\()])*\)|(\d+) 0 R", re.S)
_STRUCT_PARENTS = re.compile(rb"/StructParents \d+")
_STRUCT_PARENT = re.compile(rb"/StructParent \d+")
_PER_STREAM = 400  # objects in one object stream


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _relocate(data: bytes, numbers: list[int]) -> bytes:
    def replace(found: re.Match[bytes]) -> bytes:
        return found[0] if found[1] is None else _ref(numbers[int(found[1])])

    return _TOKEN.sub(replace, data)


def _number(value: float) -> bytes:
    return pydyf_number(value)


def pydyf_number(value: float) -> bytes:
    """A number as pydyf writes it."""
    if float(value).is_integer():
        return str(int(value)).encode("ascii")
    return f"{value:f}".rstrip("0").encode("ascii")


class _Out:
    """The merged file's objects by number: (dictionary or value, stream data or None)."""

    def __init__(self) -> None:
        self.objects: list[tuple[bytes, bytes | None] | None] = [None]

    def allocate(self) -> int:
        self.objects.append(None)
        return len(self.objects) - 1

    def put(self, number: int, data: bytes, stream: bytes | None = None) -> None:
        self.objects[number] = (data, stream)

    def write(self, version: bytes, root: int, info: int, identifier: bytes) -> bytes:
        """The file: streams as they are, every other object in object streams, an xref stream.

        The objects are consumed as they are written: each is let go once it is in the file, so the
        merge does not hold the document twice."""
        objects, self.objects = self.objects, []
        count = len(objects) - 1
        out = [b"%PDF-" + version + b"\n%\xf0\x9f\x96\xa4\n"]
        position = len(out[0])
        xref: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
        packed: list[tuple[int, bytes]] = []
        base = count + 1  # object streams, then the xref stream, are numbered after the objects

        def emit(num: int, data: bytes, stream: bytes | None) -> None:
            nonlocal position
            body = data if stream is None else data + b"\nstream\n" + stream + b"\nendstream"
            chunk = b"%d 0 obj\n%s\nendobj\n" % (num, body)
            xref[num] = (1, position, 0)
            out.append(chunk)
            position += len(chunk)

        for num in range(1, count + 1):
            data, stream = objects[num] or (b"null", None)
            objects[num] = None
            if stream is None:
                packed.append((num, data))
            else:
                emit(num, data, stream)
        streams = 0
        for start in range(0, len(packed), _PER_STREAM):
            group = packed[start : start + _PER_STREAM]
            packed[start : start + _PER_STREAM] = [(0, b"")] * len(group)  # let go of them once packed
            holder = base + streams
            streams += 1
            offsets, bodies, at = [], [], 0
            for index, (num, data) in enumerate(group):
                offsets.append(b"%d %d" % (num, at))
                bodies.append(data)
                at += len(data) + 1
                xref[num] = (2, holder, index)
            head = b" ".join(offsets) + b"\n"
            content = zlib.compress(head + b"\n".join(bodies) + b"\n", 6)
            extra = b"<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>" % (
                len(group),
                len(head),
                len(content),
            )
            emit(holder, extra, content)
        size = base + streams + 1
        xref[size - 1] = (1, position, 0)
        widths = (1, max(4, (position.bit_length() + 7) // 8), 2)
        table = b"".join(
            b"".join(
                value.to_bytes(width, "big")
                for value, width in zip(xref.get(n, (0, 0, 0)), widths, strict=True)
            )
            for n in range(size)
        )
        digest_of = hashlib.md5(usedforsecurity=False)
        for chunk in out:
            digest_of.update(chunk)
        digest = digest_of.hexdigest().encode()
        compressed = zlib.compress(table, 6)
        extra = (
            b"<</Type /XRef /Index [0 %d] /W [%d %d %d] /Size %d /Root %s /Info %s /ID [(%s) (%s)]"
            b" /Filter /FlateDecode /Length %d>>"
        ) % (size, *widths, size, _ref(root), _ref(info), identifier, digest, len(compressed))
        out.append(b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (size - 1, extra, compressed))
        out.append(b"startxref\n%d\n%%%%EOF\n" % position)
        return b"".join(out)


def _dictionary(entries: dict[str, bytes]) -> bytes:
    return b"<<" + b"".join(b"/" + k.encode("ascii") + b" " + v for k, v in entries.items()) + b">>"


def _copy(out: _Out, part: Part, special: dict[int, int], keep: Callable[[int], bool]) -> list[int]:
    """Every object of ``part`` not skipped, under new numbers; the chunk's numbers -> merged ones."""
    numbers = [0] * len(part.objects)
    for num in range(1, len(part.objects)):
        if num in special:
            numbers[num] = special[num]
        elif num not in part.skip and keep(num):
            numbers[num] = out.allocate()
    for num in range(1, len(part.objects)):
        if num not in special and num not in part.skip and keep(num):
            data, stream = part.objects[num]
            out.put(numbers[num], _relocate(data, numbers), stream)
    part.objects = []  # consumed: the merge holds its copy, not both
    return numbers


def _write_outline(out: _Out, nodes: list[list[Any]], pages: list[int], parent: int) -> tuple[list[int], int]:
    """Outline items of ``nodes`` under ``parent``: their numbers, and how many items are shown."""
    refs = [out.allocate() for _ in nodes]
    count = len(nodes)
    for i, (title, page, x, y, children) in enumerate(nodes):
        where = b"[%s /XYZ %s %s 0]" % (_ref(pages[page]), _number(x), _number(y))
        entries = {"Title": title, "Dest": where, "Parent": _ref(parent)}
        if i:
            entries["Prev"] = _ref(refs[i - 1])
        if i + 1 < len(nodes):
            entries["Next"] = _ref(refs[i + 1])
        if children:
            kids, shown = _write_outline(out, children, pages, refs[i])
            entries |= {"First": _ref(kids[0]), "Last": _ref(kids[-1]), "Count": b"%d" % shown}
            count += shown
        out.put(refs[i], _dictionary(entries))
    return refs, count


def merge(
    front: Part, chunks: list[Part], continues: list[bool], overlay: list[Part], identifier: bytes
) -> bytes:
    """One PDF of ``front`` (cover and contents) and ``chunks``, each page's header and footer from
    the pieces of ``overlay`` (a form for every page, in order); ``continues[i]``: chunk i goes on
    with a part begun before. The parts are consumed: each one's objects are let go once copied."""
    parts = [front, *chunks]
    total = sum(len(p.pages) for p in parts)
    out = _Out()
    catalog, pages_root, tree, document, parent_tree, info = (out.allocate() for _ in range(6))
    forms: list[int] = []
    for piece in overlay:
        numbers = _copy(out, piece, {}, lambda num: True)
        forms += [numbers[form] for form in piece.forms]
    if len(forms) != total:
        raise ValueError("the overlay's pages do not match the chunks' pages")
    page_numbers: list[int] = []
    kids: list[bytes] = []
    nums: list[bytes] = []
    annotations: list[bytes] = []
    ids: dict[str, int] = {}
    dests: dict[str, tuple[bytes, int, float, float]] = {}
    outline: list[list[Any]] = []
    annotation_key = total
    for k, part in enumerate(parts):
        special = {
            part.special["pages"]: pages_root,
            part.special["tree"]: tree,
            part.special["document"]: document,
        }
        offset = len(page_numbers)
        special |= {p: forms[offset + i] for i, p in enumerate(part.forms)}
        dropped = {n for key, n in part.special.items() if key == "metadata" and k > 0}
        numbers = _copy(out, part, special, lambda num, dropped=dropped: num not in dropped)  # type: ignore[misc]
        for i, page in enumerate(part.pages):
            new = numbers[page]
            data, stream = out.objects[new]  # type: ignore[misc]
            out.put(new, _STRUCT_PARENTS.sub(b"/StructParents %d" % (offset + i), data), stream)
            page_numbers.append(new)
        for key, annotation, element in part.annotations:
            data, stream = out.objects[numbers[annotation]]  # type: ignore[misc]
            out.put(
                numbers[annotation], _STRUCT_PARENT.sub(b"/StructParent %d" % (annotation_key + key), data)
            )
            annotations.append(b"%d %s" % (annotation_key + key, _ref(numbers[element])))
        annotation_key += len(part.annotations)
        kids += [_ref(numbers[kid]) for kid in part.kids]
        for i, elements in enumerate(part.nums):
            nums.append(b"%d [%s]" % (offset + i, b" ".join(_ref(numbers[e]) for e in elements)))
        ids |= {name: numbers[element] for name, element in part.ids}
        for data, name, page, x, y in part.dests:
            dests[name] = (
                data,
                offset + page,
                x,
                y,
            )  # a later chunk's anchor replaces the contents' stand-in
        nodes = _shift(part.outline, offset)
        if continues[k - 1] if k else False:
            outline[-1][4].extend(nodes)
        else:
            outline += nodes
        if k == 0:
            extra_catalog = {key: _relocate(value, numbers) for key, value in part.catalog.items()}
            extra_tree = {key: _relocate(value, numbers) for key, value in part.tree.items()}
            extra_document = {key: _relocate(value, numbers) for key, value in part.document.items()}
            out.put(info, part.info)
            version = part.version

    out.put(
        pages_root,
        _dictionary(
            {
                "Type": b"/Pages",
                "Kids": b"[" + b" ".join(_ref(p) for p in page_numbers) + b"]",
                "Count": b"%d" % total,
            }
        ),
    )
    out.put(document, _dictionary({**extra_document, "K": b"[" + b" ".join(kids) + b"]", "P": _ref(tree)}))
    out.put(parent_tree, _dictionary({"Nums": b"[" + b" ".join(nums + annotations) + b"]"}))
    tree_entries = {
        **extra_tree,
        "Type": b"/StructTreeRoot",
        "K": b"[" + _ref(document) + b"]",
        "ParentTree": _ref(parent_tree),
        "ParentTreeNextKey": b"%d" % annotation_key,
    }
    if ids:
        id_tree = out.allocate()
        names = b" ".join(b"%s %s" % (_string(name), _ref(ids[name])) for name in sorted(ids))
        out.put(id_tree, _dictionary({"Names": b"[" + names + b"]"}))
        tree_entries["IDTree"] = _ref(id_tree)
    out.put(tree, _dictionary(tree_entries))
    entries = {**extra_catalog, "Type": b"/Catalog", "Pages": _ref(pages_root), "StructTreeRoot": _ref(tree)}
    if outline:
        outlines = out.allocate()
        first, shown = _write_outline(out, outline, page_numbers, outlines)
        out.put(
            outlines, _dictionary({"First": _ref(first[0]), "Last": _ref(first[-1]), "Count": b"%d" % shown})
        )
        entries["Outlines"] = _ref(outlines)
    if dests:
        named = b" ".join(
            b"%s [%s /XYZ %s %s 0]" % (data, _ref(page_numbers[page]), _number(x), _number(y))
            for data, page, x, y in (dests[name] for name in sorted(dests))
        )
        names = entries.get("Names", b"<<>>")
        entries["Names"] = names[:-2] + b"/Dests <</Names [" + named + b"]>>>>"
    out.put(catalog, _dictionary(entries))
    return out.write(version, catalog, info, identifier)


def _string(text: str) -> bytes:
    escaped = re.sub(rb"([\\()])", rb"\\\1", text.encode("latin-1"))
    return b"(" + escaped + b")"


def _shift(nodes: list[list[Any]], offset: int) -> list[list[Any]]:
    return [[title, page + offset, x, y, _shift(children, offset)] for title, page, x, y, children in nodes]
