"""The form of a cookie or similar technology, for the generic record pages (``record_specs.SPECS``).

How consent is asked is not on this form: it is the consent of the activities the cookie serves, edited
on the activity (``ropa/cookies/schemas.py`` says why)."""

from __future__ import annotations

from ropa.records.catalog import COOKIE
from ropa.web.record_forms import Field, Spec

PURPOSES = (
    "authentication,security,load_balancing,consent_choice,preferences,analytics,session_recording,"
    "advertising,social_media,other"
)
TECHNOLOGIES = "http_cookie,local_storage,session_storage,pixel,sdk,fingerprinting,other"

COOKIE_SPEC = Spec(
    COOKIE,
    "cookies",
    "annex.cookies",
    "rec.new_cookie",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.cookie", required=True),
        Field("name_described", "rec.name_described", "checkbox"),
        Field("party", "col.party", "select", "enum:cookie.party:first,third", True),
        Field(
            "processor", "col.processor", "select", "records:processor", hint="rec.cookie_third_party_hint"
        ),
        Field(
            "recipient", "col.recipient", "select", "records:recipient", hint="rec.cookie_third_party_hint"
        ),
        Field("provider", "col.provider"),
        Field("purpose", "col.purpose", "textarea"),
        Field("purpose_class", "col.purpose_class", "select", f"enum:cookie.purpose:{PURPOSES}"),
        Field("duration", "col.cookie_duration", hint="rec.cookie_duration_hint"),
        Field(
            "consent_category",
            "col.consent_category",
            "select",
            "enum:cookie.category:necessary,preferences,statistics,marketing",
            True,
        ),
        Field("technology", "col.technology", "select", f"enum:cookie.technology:{TECHNOLOGIES}"),
        Field("activities", "col.activities", "checks", "records:activity"),
        Field("notes", "field.notes", "textarea"),
    ),
)
