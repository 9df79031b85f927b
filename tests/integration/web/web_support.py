"""A browser-like client of the web interface with access control on: sign in as a role, post forms.

The ``web`` fixture that builds it is in ``tests/integration/web/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

PASSWORD = "correct horse battery staple"
# Role name -> (username, role, entity keys, authority country)
ACCOUNTS = {
    "admin": ("w-admin", "admin", [], None),
    "officer": ("w-officer-dk", "compliance_officer", ["TECHEM-DK"], None),
    "officer_all": ("w-officer-all", "compliance_officer", ["*"], None),
    "auditor": ("w-auditor-dk", "auditor", ["TECHEM-DK"], None),
    "regulator_no": ("w-regulator-no", "regulator", [], "NO"),
    "regulator_dk": ("w-regulator-dk", "regulator", [], "DK"),
}


@dataclasses.dataclass
class Web:
    client: Any
    ids: dict[str, str]  # entity key -> id
    csrf: str = ""

    def sign_in(self, role: str) -> Web:
        """Sign in through the form, as a person would; keeps the session cookie and CSRF token."""
        self.client.cookies.clear()
        username = ACCOUNTS[role][0]
        response = self.client.post(
            "/sign-in", data={"username": username, "password": PASSWORD, "next": "/"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        self.csrf = self.client.get("/api/auth/me").json()["csrf_token"]
        return self

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form post with the session's CSRF token in the form, as the pages send it."""
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf}, **kwargs)

    def form_values(self, html: str) -> dict[str, Any]:
        """The values a browser would submit for the first form with method=post that has a version."""
        return parse_form(html)


def parse_form(html: str) -> dict[str, Any]:
    """Inputs, textareas and selected options of a page's forms (enough for the editor's form)."""
    values: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        if name in values:
            values[name] = [*values[name], value] if isinstance(values[name], list) else [values[name], value]
        else:
            values[name] = value

    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'\bname="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if not name or (kind and kind[1] in ("submit", "button")):
            continue
        if kind and kind[1] in ("checkbox", "radio") and " checked" not in tag:
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        add(name[1], unescape(value[1]) if value else "")
    for name, body in re.findall(r'<textarea\b[^>]*\bname="([^"]*)"[^>]*>(.*?)</textarea>', html, re.S):
        add(name, unescape(body))
    for name, body in re.findall(r'<select\b[^>]*\bname="([^"]*)"[^>]*>(.*?)</select>', html, re.S):
        for option in re.findall(r"<option\b[^>]*>", body):
            if " selected" in option:
                add(name, unescape(re.search(r'value="([^"]*)"', option)[1]))  # type: ignore[index]
    return values


def unescape(text: str) -> str:
    import html

    return html.unescape(text)
