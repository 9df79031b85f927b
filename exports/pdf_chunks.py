"""A large register's PDF in chunks: laid out by WeasyPrint in worker processes, merged into one.

WeasyPrint holds every laid-out page of a document until it is written (about 1.5 MB a page): a
register of 1,000 activities is 2,700 pages and 6 GB, on one core. Here the export's HTML is cut
into chunks that each start a page anyway or may start one: the cover and contents, groups of
``CHUNK_ACTIVITIES`` activities, each annex. Each chunk is laid out and written as a tagged PDF in a
process of its own pool (``os.cpu_count()`` workers), so memory is bounded by a chunk, and
``exports.pdf_merge`` joins the PDFs with their structure trees, links, bookmarks and attachment.

What a chunk cannot know is drawn after: the page headers and footers ("page x of y" needs the whole
count) come from documents of empty pages with only the margin boxes (``OVERLAY_PAGES`` a piece),
laid over each page as an artifact; the contents are laid out last, with the page numbers the other
chunks found, beside the pieces of that overlay.
The same HTML gives the same chunks, and every step is ordered: the same state, the same bytes.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import re
import threading
from typing import Any

from exports import pdf_merge, pdf_parts
from exports.pdf_parts import Part

# Activities in one chunk: about 110 pages, some 300 MB of a worker's memory at its peak.
CHUNK_ACTIVITIES = 40
# A register of more activities than this is rendered in chunks (at 200 activities: half the time on
# two cores, a fifth of the memory); the environment variable sets another number, 0 never.
ABOVE_ENV = "ROPA_PDF_CHUNKED_ABOVE"
DEFAULT_ABOVE = 100
# And the one that sets the activities of a chunk (tests make small registers span several chunks).
SIZE_ENV = "ROPA_PDF_CHUNK_ACTIVITIES"

# Every chunk prints no header or footer (the overlay does), and only the cover is a first page.
_NO_MARGIN_BOXES = (
    "@page { @top-left { content: none } @top-right { content: none } "
    "@bottom-left { content: none } @bottom-right { content: none } }"
)
_NOT_FIRST = "@page :first { margin-top: 22mm; }"
# The contents print the page numbers found, not target-counter() of targets in other chunks.
_CONTENTS_NUMBERS = 'nav.toc a::after { content: leader(".") attr(data-page); }'
# The contents end the first chunk: no page break after them.
_LAST = "nav.toc { break-after: auto; }"
# Pages of the overlay laid out in one piece (about 0.15 MB a page at the peak, 3,300 in one: 560 MB).
OVERLAY_PAGES = 400
# A first layout of the contents, before the numbers are known, reserves this many digits.
_PLACEHOLDER = "00000"


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


def chunked_above() -> int:
    """The number of activities above which a PDF is rendered in chunks; 0 never."""
    return _setting(ABOVE_ENV, DEFAULT_ABOVE)


def wanted(activities: int) -> bool:
    """Whether a register of this many activities gets its PDF in chunks."""
    above = chunked_above()
    return bool(above) and activities > above


def chunk_activities() -> int:
    return max(1, _setting(SIZE_ENV, CHUNK_ACTIVITIES))


@dataclasses.dataclass(frozen=True)
class Chunk:
    html: str
    continues: bool = False  # activities of a part begun in an earlier chunk (their bookmarks go under it)


@dataclasses.dataclass(frozen=True)
class Split:
    head: str  # up to the body, the style's end marked
    preamble: str  # the page strings and the watermark: in every chunk
    front: str  # the cover and the contents
    chunks: list[Chunk]  # the activities and the annexes, in order


def _starts(html: str, marker: str, begin: int = 0, end: int | None = None) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(marker), html[begin:end])]


def split(html: str, size: int = CHUNK_ACTIVITIES) -> Split:
    """The export's HTML (exports.pdf.render_html) cut at its top-level sections and activities.

    The markers are the template's own tags: register text is escaped, so it cannot contain one."""
    body = html.index("<body>") + len("<body>")
    cover = html.index('<section class="cover"')
    parts = [body + i for i in _starts(html, '<section class="part', body)]
    annexes = [body + i for i in _starts(html, '<section class="annex"', body)]
    end = html.rindex("</body>")
    front_end = parts[0] if parts else annexes[0]
    chunks: list[Chunk] = []
    part_ends = parts[1:] + [annexes[0] if annexes else end]
    for start, stop in zip(parts, part_ends, strict=True):
        section = html[start:stop]
        close = section.rindex("</section>")
        articles = _starts(section, '<article class="activity"')
        opening = section[: articles[0]] if articles else section[:close]
        tag = opening[: opening.index(">") + 1]
        bounds = [*articles, close]
        groups = range(0, max(len(articles), 1), size)
        for n, first in enumerate(groups):
            last = min(first + size, len(articles))
            inner = section[bounds[first] : bounds[last]] if articles else ""
            chunks.append(Chunk((opening if n == 0 else tag) + inner + "</section>", continues=n > 0))
    # The annexes, each starting a page, go together up to the size of a chunk of activities.
    budget = max(sum(len(c.html) for c in chunks) // max(len(chunks), 1), 50_000)
    annex_ends = annexes[1:] + [end]
    group: list[str] = []
    for a, b in zip(annexes, annex_ends, strict=True):
        if group and sum(map(len, group)) + (b - a) > budget:
            chunks.append(Chunk("".join(group)))
            group = []
        group.append(html[a:b])
    if group:
        chunks.append(Chunk("".join(group)))
    head = html[:body]
    return Split(head, html[body:cover], html[cover:front_end], chunks)


def _document(split_: Split, content: str, css: str) -> str:
    head = split_.head.replace("</style>", css + "\n</style>", 1)
    return f"{head}{content}\n</body>\n</html>\n"


def body_html(split_: Split, chunk: Chunk) -> str:
    # The page strings and watermark go inside the chunk's first section, on its first page: before
    # it, they would make a page of their own when the section's page is a landscape one.
    opened = chunk.html.index(">") + 1
    content = chunk.html[:opened] + split_.preamble + chunk.html[opened:]
    return _document(split_, content, _NO_MARGIN_BOXES + "\n" + _NOT_FIRST)


def front_html(split_: Split, targets: list[str], numbers: dict[str, int] | None) -> str:
    """The cover and contents with the page number of each entry (a placeholder before they are known).

    The contents' links need their targets in the same document: hidden anchors (no text, no
    structure element) stand for them here, and the merge points each name at its real page."""

    def numbered(found: re.Match[str]) -> str:
        name = found[1]
        page = str(numbers[name]) if numbers is not None else _PLACEHOLDER
        return f'<a href="#{name}" data-page="{page}">'

    nav = split_.front.index('<nav class="toc"')
    contents = re.sub(r'<a href="#([A-Za-z0-9_-]+)">', numbered, split_.front[nav:])
    anchors = "".join(f'<span id="{t}" data-pdf-tag="Artifact"></span>' for t in targets)
    hidden = f'<div class="page-strings" aria-hidden="true" data-pdf-tag="Artifact">{anchors}</div>'
    content = split_.preamble + hidden + split_.front[:nav] + contents
    return _document(split_, content, _NO_MARGIN_BOXES + "\n" + _CONTENTS_NUMBERS + "\n" + _LAST)


def contents_targets(split_: Split) -> list[str]:
    return re.findall(r'<a href="#([A-Za-z0-9_-]+)">', split_.front[split_.front.index('<nav class="toc"') :])


def overlay_html(split_: Split, wide: list[bool], start: int = 0, total: int | None = None) -> str:
    """Empty pages for the pages ``start`` on of the merged PDF (landscape where it is), with only the
    headers and footers of export.css: "page x of ``total``", x counted from ``start + 1``.

    A piece after the first begins with a page of its own, the document's first (export.css prints it
    without a header): it resets the page counter so that the next page is ``start + 1``, and
    ``capture_overlay`` leaves it out."""
    total = len(wide) if total is None else total
    lead = '<div class="ov"></div>' if start else ""
    pages = lead + "".join('<div class="ov wide"></div>' if w else '<div class="ov"></div>' for w in wide)
    css = ".ov { height: 1px; } .ov + .ov { break-before: page; } .ov.wide { page: wide; }"
    if start:
        css += f"\n@page :first {{ counter-reset: page {start}; }}"
    head = split_.head.replace("counter(pages)", f'"{total}"').replace("</style>", css + "\n</style>", 1)
    strings = split_.preamble.split('<div class="watermark"', 1)[0]
    return f"{head}{strings}{pages}\n</body>\n</html>\n"


def overlay_pieces(split_: Split, wide: list[bool]) -> list[tuple[str, int]]:
    """The overlay of pages ``wide`` in pieces of ``OVERLAY_PAGES``: each piece's HTML and the pages
    that lead it and are left out."""
    return [
        (overlay_html(split_, wide[start : start + OVERLAY_PAGES], start, len(wide)), 1 if start else 0)
        for start in range(0, len(wide), OVERLAY_PAGES)
    ]


def _render(html: str, values: dict[str, Any], prefix: str, overlay: int | None = None) -> Part:
    """One chunk, in a worker process: laid out, its PDF objects generated and handed over as a Part;
    a piece of the overlay when ``overlay`` is the number of its leading pages to leave out."""
    import pydyf
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.pdf import VARIANTS, generate_pdf

    from exports import pdf

    chosen = pdf.options_of(values)
    document = pdf.html_document(html).render(**chosen)
    options = {**DEFAULT_OPTIONS, **chosen}
    if variant := options["pdf_variant"]:  # as Document.write_pdf completes the options of a variant
        for key, value in VARIANTS[variant][1].items():
            if options.get(key) is None:
                options[key] = value
    generated = generate_pdf(document, None, 1, **options)
    if overlay is not None:
        return pdf_parts.capture_overlay(document, generated, overlay)
    part = pdf_parts.capture(document, generated, prefix, pdf.finish)
    part.version = pydyf._to_bytes(options["pdf_version"] or b"1.7")
    return part


# A chunked render keeps every core busy with a worker of some 300 to 600 MB: a second one waits for
# it rather than doubling the workers and their memory.
_ONE_AT_A_TIME = threading.Lock()


def _pool() -> concurrent.futures.ProcessPoolExecutor:
    # spawn: the export renders in a thread of the server, and a fork would copy its locks. Workers
    # are not replaced after some chunks (max_tasks_per_child): Python 3.11's pool can hang on it.
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=os.cpu_count() or 1,
        mp_context=multiprocessing.get_context("spawn"),
    )


def render(html: str, values: dict[str, Any], progress: Any) -> bytes:
    """The PDF of ``html`` (the whole export) in chunks; ``values`` as ``exports.pdf.option_values``."""
    split_ = split(html, chunk_activities())
    targets = contents_targets(split_)
    plain = {**values, "attachment": None}
    untagged = {**plain, "tagged": False}
    with _ONE_AT_A_TIME, _pool() as pool:
        bodies = [
            pool.submit(_render, body_html(split_, c), plain, f"c{i + 1}-")
            for i, c in enumerate(split_.chunks)
        ]
        first = pool.submit(_render, front_html(split_, targets, None), plain, "c0-").result()
        done = [b.result() for b in bodies]
        progress("layout", 0.7)
        # The contents with their numbers and the overlay are laid out side by side: the overlay takes
        # the pages of the first layout of the contents, which the numbers rarely change.
        front, front_wide = first, first.wide
        body_wide = [w for part in done for w in part.wide]
        overlay: list[Part] | None = None
        for _ in range(3):  # when the numbers do change the contents' pages, never more than twice
            numbers = _numbers(len(front_wide), done, targets)
            pending = pool.submit(_render, front_html(split_, targets, numbers), values, "c0-")
            drawn = _overlay(pool, split_, front_wide + body_wide, untagged)
            front = pending.result()
            if front.wide == front_wide:
                overlay = [piece.result() for piece in drawn]
                break
            front_wide = front.wide
        if overlay is None:
            overlay = [piece.result() for piece in _overlay(pool, split_, front.wide + body_wide, untagged)]
    progress("write", 0.85)
    continues = [c.continues for c in split_.chunks]
    return pdf_merge.merge(front, done, continues, overlay, values["identifier"])


def _overlay(
    pool: concurrent.futures.Executor, split_: Split, wide: list[bool], values: dict[str, Any]
) -> list[concurrent.futures.Future[Part]]:
    return [pool.submit(_render, html, values, "", lead) for html, lead in overlay_pieces(split_, wide)]


def _numbers(front_pages: int, done: list[Part], targets: list[str]) -> dict[str, int]:
    """The page (1-based, in the merged PDF) of each target of the contents."""
    numbers: dict[str, int] = {}
    offset = front_pages
    for part in done:
        for name, page in part.anchors.items():
            numbers.setdefault(name, offset + page + 1)
        offset += len(part.pages)
    return {t: numbers.get(t, 0) for t in targets}
