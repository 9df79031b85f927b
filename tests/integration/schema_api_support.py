"""The schema conformance walk's client: each call validated against the served OpenAPI schema and logged."""

from __future__ import annotations

import dataclasses
from typing import Any

import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
NO_BODY: Any = object()


@dataclasses.dataclass
class Log:
    """What the walk saw: each answer (operation, status, media type) and each answer off the schema."""

    answers: set[tuple[str, int, str]] = dataclasses.field(default_factory=set)
    drift: list[str] = dataclasses.field(default_factory=list)
    server_logs: dict[str, str] = dataclasses.field(default_factory=dict)
    spec: dict[str, Any] = dataclasses.field(default_factory=dict)


class Api:
    """One running server and the schema it serves; every call's answer is validated and logged."""

    def __init__(self, base_url: str, log: Log, schema_headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.log = log
        served = requests.get(f"{base_url}/schema/openapi.json", headers=schema_headers, timeout=30)
        served.raise_for_status()
        self.spec = served.json()
        self.schema = schemathesis.openapi.from_dict(self.spec)

    def __call__(
        self,
        method: str,
        path: str,
        expect: int,
        *,
        params: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = NO_BODY,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> Response:
        """Send one request to the operation `method path`; the walk stops unless it answers `expect`."""
        operation = self.schema[path][method]
        arguments: dict[str, Any] = {"path_parameters": params, "query": query}
        if body is not NO_BODY:
            arguments["body"] = body
        case = operation.Case(**arguments)
        sent = headers or {}
        response: Response = case.call(base_url=self.base_url, headers=sent, cookies=cookies, timeout=120)
        label = f"{method} {path}"
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except (Exception, BaseExceptionGroup) as exc:  # keep walking: report every drift at once
            text = f"{label} {params or ''} {query or ''} -> {response.status_code}:\n{exc}"
            self.log.drift.append(text[:4000])  # the reproducing curl can carry a whole register
        media_type = _header(response, "content-type").split(";")[0].strip().lower()
        self.log.answers.add((label, response.status_code, media_type))
        assert response.status_code == expect, (
            f"the walk expected {expect} from {label} {params or ''} {query or ''}, "
            f"got {response.status_code}: {response.text[:1500]}"
        )
        return response


def _header(response: Response, name: str) -> str:
    """One header of an answer (schemathesis keeps every header's values in a list), or ""."""
    values = {key.lower(): value for key, value in response.headers.items()}.get(name, [])
    return values[0] if values else ""


def _request_fields(spec: dict[str, Any], method: str, path: str) -> set[str]:
    """The properties the operation's JSON request body documents (what a client may send)."""
    schema = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    return set(spec["components"]["schemas"][name]["properties"])
