"""Structure types WeasyPrint 70 cannot give from HTML: artifacts, and a table of contents.

WeasyPrint tags each box by its HTML element alone (``weasyprint/pdf/tags.py``): a ``<nav>`` becomes
``/NonStruct`` and every drawn text is marked content of the structure tree, a decorative draft
watermark too, which screen readers then read on every page between the page's text. An element of
the export's template names what it is with ``data-pdf-tag`` instead:

- ``Artifact``: its text is drawn as an ``/Artifact`` (not marked content of the tree) and it has no
  structure element;
- any other value: the structure type its element gets in place of WeasyPrint's, by WeasyPrint's
  type (``RETAGGED``): a list that is a table of contents is ``/TOC``, its items ``/TOCI``.

The changes are made as WeasyPrint builds the tree, so the same HTML still gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import stream as _stream
from weasyprint.pdf import tags as _tags

ATTRIBUTE = "data-pdf-tag"
ARTIFACT = "Artifact"
# (data-pdf-tag, WeasyPrint's structure type) -> the structure type given. A list item without a
# bullet is an /LI holding an /LBody; in a table of contents the item is a /TOCI and its body a
# /Reference to the page it names (its link inside).
RETAGGED = {
    ("Sect", "/NonStruct"): "/Sect",
    ("TOC", "/L"): "/TOC",
    ("TOCI", "/LI"): "/TOCI",
    ("TOCI", "/LBody"): "/Reference",
}


def _wanted(box: Any) -> str | None:
    box = box._box if isinstance(box, AbsolutePlaceholder) else box
    element = getattr(box, "element", None)
    return element.get(ATTRIBUTE) if element is not None and hasattr(element, "get") else None


_build_box_tree = _tags._build_box_tree
_marked = _stream.Stream.marked


def _built(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
    """WeasyPrint's structure elements of ``box``, retagged as its element asks; none for an artifact."""
    wanted = _wanted(box)
    if wanted == ARTIFACT:
        return
    for element in _build_box_tree(box, parent, *args):
        if wanted is not None:
            element["S"] = RETAGGED.get((wanted, str(element["S"])), element["S"])
        yield element


@contextmanager
def _marked_or_artifact(self: Any, box: Any, tag: str) -> Iterator[None]:
    """The text of an artifact's element drawn as an /Artifact, all other text as WeasyPrint marks it."""
    if _wanted(box) == ARTIFACT:
        with self.artifact():
            yield
    else:
        with _marked(self, box, tag):
            yield


_built._ropa_tags = True  # type: ignore[attr-defined]
_marked_or_artifact._ropa_tags = True  # type: ignore[attr-defined]


def install() -> None:
    """Make WeasyPrint tag by ``data-pdf-tag``; once, whatever the number of calls.

    ``tags.py`` finds ``_build_box_tree`` by its module-level name, in its recursion too, and the
    drawing code calls ``stream.marked`` for every text box: replacing both names is enough."""
    if not getattr(_tags._build_box_tree, "_ropa_tags", False):
        _tags._build_box_tree = _built
    if not getattr(_stream.Stream.marked, "_ropa_tags", False):
        _stream.Stream.marked = _marked_or_artifact
