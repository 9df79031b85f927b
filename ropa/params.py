"""Query parameter types shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

# Free text in a query string: at most 200 characters and no NUL, which PostgreSQL cannot hold in
# text (a NUL once reached it from the audit download's filter and answered 500; found by the fuzzing).
Text = Annotated[str | None, QueryParameter(max_length=200, pattern=r"^[^\x00]*$")]
