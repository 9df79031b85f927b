"""Login CSRF: a sign-in must be posted from this site, judged by its Origin (or else Referer) header.

Without this check another site could post its own credentials to the sign-in form from a victim's
browser, and the victim would then work, unaware, in the attacker's account. Browsers send Origin
on every POST (``null`` from opaque origins), so the web form refuses a sign-in that carries
neither header. The API sign-in takes JSON from scripts, which send no Origin, so there a missing
header is let through; a browser's cross-site post carries one and is refused.

The site's own origin is the scheme, host and port of the request itself. Behind a reverse proxy
that terminates TLS the scheme is the proxy's ``X-Forwarded-Proto``, which uvicorn honours only
from ``ROPA_TRUSTED_PROXIES``; the proxy must pass the ``Host`` header through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import structlog
from litestar.connection import ASGIConnection

from ropa.errors import CrossOriginSignIn

DEFAULT_PORTS = {"http": 80, "https": 443}
log = structlog.get_logger("ropa.access")


def origin_of(url: str) -> tuple[str, str, int] | None:
    """Scheme, host and port of an http(s) URL or origin; None for anything else (``null`` too)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def own_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, str, int] | None:
    """The origin this request was sent to: its scheme and its Host header (or the server's address)."""
    host = connection.headers.get("host")
    if not host:
        server = connection.scope.get("server") or ("", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    return origin_of(f"{connection.scope.get('scheme', 'http')}://{host}")


def check_sign_in_origin(connection: ASGIConnection[Any, Any, Any, Any], *, allow_missing: bool) -> None:
    """Raise CrossOriginSignIn unless the sign-in comes from this site (see the module's docstring)."""
    sent = connection.headers.get("origin")
    header = "Origin"
    if sent is None and (referer := connection.headers.get("referer")):
        sent, header = referer, "Referer"
    if sent is None:
        if allow_missing:
            return
        log.info("access.sign_in_refused", reason="no origin")
        raise CrossOriginSignIn(
            "sign-in refused: the form came without an Origin or Referer header, so it may have been "
            "sent by another site; sign in on this site's own sign-in page"
        )
    expected, got = own_origin(connection), origin_of(sent)
    if expected is None or got != expected:
        shown = _text(got) if got else "an origin that is not a web site"
        log.info("access.sign_in_refused", reason="cross origin", origin=shown, expected=_text(expected))
        raise CrossOriginSignIn(
            f"sign-in refused: it was posted from {shown} ({header} header), not from this site "
            f"({_text(expected)}); sign in on this site's own sign-in page"
        )


def _text(origin: tuple[str, str, int] | None) -> str:
    if origin is None:
        return "unknown"
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")
