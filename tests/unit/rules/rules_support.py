"""A clean register built for the rule tests: every rule is silent on it, each breach adds one flaw."""

import datetime as dt
from functools import cache
from typing import Any

import msgspec

from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.rules.model import Context, Finding
from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import BUILTIN

TODAY = dt.date(2026, 11, 22)


@cache
def builtin_terms() -> tuple[TermData, ...]:
    return tuple(msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData]))


def context(today: dt.date = TODAY) -> Context:
    return Context.build(builtin_terms(), today)


def clean(key: str = "ACME-DK", country: str = "DK") -> dict[str, Any]:
    """A compliant controller with one activity, a named processor and an SCC transfer to the US."""
    return {
        "key": key,
        "legal_name": f"Acme {country}",
        "country": country,
        "address": {"street": "Main street 1", "city": "Town", "country": country},
        "email": "privacy@acme.example",
        "dpo": {"name": "Dana Officer", "email": "dpo@acme.example"},
        "documents": [{"key": "PP", "title": "Privacy notice", "version": "2026-05-01"}],
        "processors": [
            {
                "key": "P-MAIL",
                "name": "Mailer",
                "legal_name": "Mailer Inc.",
                "service_kinds": ["email_delivery"],
                "country": "US",
                "contract": {"reference": "DPA-2026-01", "signed_on": "2026-01-10"},
            }
        ],
        "recipients": [
            {
                "key": "R-MAIL",
                "name": "Mailer",
                "kind": "processor",
                "processor": "P-MAIL",
                "purposes": ["sending e-mails"],
                "data_categories": ["email_address"],
            }
        ],  # fmt: skip
        "transfers": [
            {
                "key": "T-MAIL",
                "name": "Mailer to the US",
                "destination_country": "US",
                "recipient": "R-MAIL",
                "mechanism": "scc_2021",
                "scc": {"decision": "2021/914", "module": 2},
                "signed_on": "2026-01-10",
                "tia_reference": "TIA-7",
            }
        ],  # fmt: skip
        "retention_rules": [
            {
                "key": "RET-ACCOUNT",
                "name": "Accounts",
                "kind": "fixed",
                "duration": "P2Y",
                "data_categories": ["email_address", "name"],
                "recipient": "R-MAIL",
            }
        ],  # fmt: skip
        "activities": [
            {
                "key": "PA-01",
                "name": "Customer accounts",
                "system": "Portal",
                "role": "controller",
                "status": "approved",
                "purposes": [{"description": "Run the customer account", "legal_bases": ["art6_1_b"]}],
                "data_subjects": ["customer"],
                "data_categories": [{"category": "email_address"}, {"category": "name"}],
                "recipients": ["R-MAIL"],
                "transfers": ["T-MAIL"],
                "retention": ["RET-ACCOUNT"],
                "security": {"measures": ["access_control", "encryption_at_rest"]},
                "last_reviewed_at": "2026-06-01",
                "next_review_due": "2027-06-01",
            }
        ],
    }


def entity(data: dict[str, Any]) -> EntityIn:
    return msgspec.convert(data, EntityIn)


def register(*entities: dict[str, Any]) -> RegisterFile:
    return RegisterFile(entities=[entity(e) for e in entities])


def ids(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings}
