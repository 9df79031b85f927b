"""HTTP route of the findings: the register checked against the law, on every request."""

from typing import Literal

from litestar import get
from litestar.params import FromQuery

from ropa.findings.services import FindingOut, list_findings
from ropa.params import Text


@get(
    "/api/findings",
    operation_id="listFindings",
    opt={"perm": "findings.read"},
    tags=["Findings"],
    summary="Findings of the current register",
)
async def findings(
    entity: FromQuery[Text] = None,
    severity: FromQuery[Literal["high", "medium", "low", "info"] | None] = None,
    rule: FromQuery[Text] = None,
    status: FromQuery[Literal["open", "accepted"] | None] = None,
) -> list[FindingOut]:
    return await list_findings(entity=entity, severity=severity, rule=rule, status=status)


FINDINGS_ROUTES = [findings]
