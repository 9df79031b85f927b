"""One renderer per figure: the text, the table and the summary rows of docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Callable

from bench.sections.audit import appends, query, verifier
from bench.sections.base import Runs, Section
from bench.sections.exports import exports, findings
from bench.sections.register import audited_writes, bulk_import, list_health
from bench.sections.service import auth, load, web

SECTIONS: dict[str, tuple[str, Callable[[Runs], Section]]] = {
    "list": ("1. Register list vs /health", list_health),
    "import": ("2. Import of 10,000 activities", bulk_import),
    "writes": ("3. Audited vs unaudited writes", audited_writes),
    "appends": ("4. Integrated appends, 64 concurrent writers", appends),
    "verify": ("5. Verifier throughput", verifier),
    "query": ("6. Query latency at 1,000,000 events", query),
    "findings": ("7. Findings evaluation of 1,000 activities", findings),
    "exports": ("8. PDF and Excel exports", exports),
    "auth": ("9. Cost of authentication", auth),
    "web": ("10. Register page render time", web),
    "load": ("11. Mixed load: throughput and latency, nothing lost", load),
}
