"""One search over every register the caller may see (``ropa.web.search``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from ropa.params import Text
from ropa.web import search as searching
from ropa.web.pages import page, texts


@get("/search", opt={"perm": "register.read"}, include_in_schema=False, name="search")
async def search(request: Request[Any, Any, Any], q: FromQuery[Text] = None) -> Template:
    """Activities matching every word, in any field, term label (en, da, nb), recipient or processor."""
    hits, more = await searching.search(q, texts(request))
    return page(request, "search.html", q=q or "", hits=hits, more=more, limit=searching.LIMIT)


SEARCH_PAGES = [search]
