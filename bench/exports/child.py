"""One measurement of figure 8 in a fresh process (`python -m bench.exports child SPEC`)."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.common import quiet_logs, write_result
from bench.exports.bounds import _bounds, _chunked, _single
from bench.exports.modes import _alone, _export, _profile

MODES = {
    "export": _export,
    "alone": _alone,
    "profile": _profile,
    "bounds": _bounds,
    "chunked": _chunked,
    "single": _single,
}


def _child(spec: dict[str, Any]) -> None:
    """One measurement in a fresh process; the renderer's libraries are imported before the clock."""
    quiet_logs()
    if spec["format"] == "pdf":
        import weasyprint  # noqa: F401

        import exports.pdf  # noqa: F401
    else:
        import openpyxl  # noqa: F401

        import exports.xlsx  # noqa: F401
    import exports.service  # noqa: F401

    write_result(spec["out"], asyncio.run(MODES[spec["mode"]](spec)))
