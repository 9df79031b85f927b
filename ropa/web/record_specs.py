"""The forms of the records an activity points at: transfers, retention rules, processors and
recipients, each a list of fields (``ropa/web/record_forms.py``) in the order the form shows them."""

from __future__ import annotations

from ropa.records.catalog import PROCESSOR, RECIPIENT, RETENTION, TRANSFER
from ropa.web.cookie_spec import COOKIE_SPEC
from ropa.web.record_forms import Field, Spec

TRANSFER_SPEC = Spec(
    TRANSFER,
    "transfers",
    "xfer.title",
    "rec.new_transfer",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("destination_country", "rec.destination_country", hint="rec.country_hint"),
        Field(
            "destination_region", "field.destination_region", "select", "enum:st.region:outside_eea,worldwide"
        ),
        Field("international_organisation", "rec.international_organisation"),
        Field("recipient", "col.recipient", "select", "records:recipient"),
        Field("mechanism", "col.mechanism", "select", "mechanism", required=True),
        Field("mechanism_claimed", "field.mechanism_claimed", "textarea"),
        Field("scc.decision", "rec.scc_decision", hint="rec.scc_decision_hint"),
        Field("scc.module", "rec.scc_module", "select", "module"),
        Field("derogation", "col.derogation", hint="rec.derogation_hint"),
        Field("tia_reference", "col.tia"),
        Field("safeguards_documentation", "col.safeguards", hint="rec.url_hint"),
        Field("signed_on", "col.signed_on", "date"),
        Field("description", "col.description", "textarea"),
        Field("notes", "field.notes", "textarea"),
    ),
)
RETENTION_SPEC = Spec(
    RETENTION,
    "retention",
    "ret.title",
    "rec.new_retention",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("data_categories", "col.data_categories", "checks", "vocab:data_category"),
        Field("applies_to", "rec.applies_to", "textarea"),
        Field(
            "kind",
            "col.retention_kind",
            "select",
            "enum:retention_kind:fixed,event,criterion,legal_hold",
            True,
        ),
        Field("duration", "col.duration", hint="rec.duration_hint"),
        Field("trigger_event", "rec.trigger_event"),
        Field("start_event", "rec.start_event"),
        Field("criterion", "rec.criterion", "textarea"),
        Field("legal_obligation", "col.legal_obligation", "textarea"),
        Field("erasure_method", "col.erasure_method", "textarea"),
        Field("backups_note", "col.backups", "textarea"),
        Field("policy_link", "col.policy_link", hint="rec.url_hint"),
        Field("notes", "field.notes", "textarea"),
    ),
)
PROCESSOR_SPEC = Spec(
    PROCESSOR,
    "processors",
    "proc.title",
    "rec.new_processor",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("legal_name", "col.legal_name"),
        Field("service_kinds", "col.services", "checks", "vocab:service_kind"),
        Field("country", "col.country", hint="rec.country_hint"),
        Field("data_locations", "col.data_locations", "codes", hint="rec.codes_hint"),
        Field("contract.reference", "rec.contract_reference"),
        Field("contract.link", "rec.contract_link", hint="rec.url_hint"),
        Field("contract.signed_on", "col.signed_on", "date"),
        Field("sub_processors", "col.sub_processors", "checks", "records:processor"),
        Field("dpf.certified", "rec.dpf_certified", "bool"),
        Field("dpf.checked_on", "rec.dpf_checked_on", "date"),
        Field("dpf.list_url", "rec.dpf_list_url", hint="rec.url_hint"),
        Field("planned", "field.planned", "checkbox"),
        Field("description", "col.description", "textarea"),
        Field("notes", "field.notes", "textarea"),
    ),
)
RECIPIENT_SPEC = Spec(
    RECIPIENT,
    "recipients",
    "proc.title",
    "rec.new_recipient",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("kind", "col.kind", "select", "vocab:recipient_kind", required=True),
        Field("processor", "col.processor", "select", "records:processor"),
        Field("country", "col.country", hint="rec.country_hint"),
        Field("in_third_country", "col.third_country", "bool"),
        Field("purposes", "col.purposes", "lines", hint="rec.lines_hint"),
        Field("data_categories", "col.data_categories", "checks", "vocab:data_category"),
        Field("non_exhaustive", "rec.non_exhaustive", "checkbox"),
        Field("notes", "field.notes", "textarea"),
    ),
    tab="processors",
)
SPECS = {
    spec.slug: spec for spec in (TRANSFER_SPEC, RETENTION_SPEC, PROCESSOR_SPEC, RECIPIENT_SPEC, COOKIE_SPEC)
}
