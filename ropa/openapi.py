"""OpenAPI documentation Litestar cannot infer from a handler's return type: answers that are files."""

from __future__ import annotations

import dataclasses

from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

CONTENT_DISPOSITION = {"content-disposition": "attachment; filename=... (the name to save the file as)"}


def file_answer(
    description: str,
    media_types: dict[str, str],
    headers: dict[str, str] | None = None,
    status: int = 200,
) -> type[Operation]:
    """An ``operation_class`` for a route handler whose ``status`` answer is a file, not JSON: its body
    is in one of ``media_types`` (media type: what the body holds), with ``headers`` (name: meaning).

    Litestar documents one media type per answer, taken from the handler (JSON for a ``Response``);
    a download that answers CSV or JSON lines, or a PDF or a workbook, has to say so itself. The other
    answers (the problem+json errors, a 202) are left as Litestar documents them."""
    content = {
        media_type: OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, content_media_type=media_type, description=text)
        )
        for media_type, text in media_types.items()
    }
    documented: dict[str, OpenAPIHeader | Reference] = {
        name: OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=text, required=True)
        for name, text in (headers or {}).items()
    }

    @dataclasses.dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            answer = OpenAPIResponse(description=description, content=content, headers=documented or None)
            self.responses = {**(self.responses or {}), str(status): answer}

    return FileOperation
