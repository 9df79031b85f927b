"""HTTP routes of the audit log: verification (more routes follow)."""

from typing import Any

from litestar import Request, get

from audit.verify_db import verify_log


@get("/api/audit/verify", operation_id="verifyAuditLog", tags=["Audit"], summary="Verify the whole log")
async def verify(request: Request[Any, Any, Any]) -> dict[str, Any]:
    report = await verify_log(request.app.state["signer"].verifier_key())
    return report.__dict__


AUDIT_ROUTES = [verify]
