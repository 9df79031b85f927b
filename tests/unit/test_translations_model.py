"""Translations of a record's free text: one language set with the exports, a closed set of fields,
and the swap an export makes (the text as written where there is no translation)."""

from __future__ import annotations

import msgspec
import pytest

from exports.localize import localize, translated
from ropa.activities.schemas import (
    ActivityText,
    ActivityTranslations,
    Purpose,
    PurposeText,
    PurposeTranslations,
)
from ropa.i18n import EXPORT_LANGUAGES
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.records.parts import Translations


def _entity() -> EntityIn:
    purpose = Purpose(
        description="To hire staff",
        translations=PurposeTranslations(da=PurposeText(description="At ansætte")),
    )
    named = ActivityTranslations(da=ActivityText(name="Rekruttering"), nb=ActivityText(description=""))
    activity = ActivityIn(
        key="hr",
        name="Recruitment",
        description="Handling of the applications",
        purposes=[purpose, Purpose(description="To pay staff")],
        translations=named,
    )
    return EntityIn(key="E", legal_name="E A/S", country="DK", activities=[activity])


def test_the_languages_of_translations_are_the_languages_of_exports() -> None:
    kinds = Translations.__subclasses__()
    assert len(kinds) >= 7  # activity, purpose, description, processor, recipient, transfer, retention
    for kind in kinds:
        assert tuple(kind.__struct_fields__) == EXPORT_LANGUAGES, kind


def test_an_export_shows_the_translation_of_its_language_and_else_the_text_as_written() -> None:
    entity = _entity()
    danish = localize(entity, "da").activities[0]
    assert danish.name == "Rekruttering" and danish.description == "Handling of the applications"
    assert [p.description for p in danish.purposes] == ["At ansætte", "To pay staff"]
    assert translated(danish, "da", "name") and not translated(danish, "da", "description")
    norwegian = localize(entity, "nb").activities[0]  # an empty translation is none
    assert norwegian.name == "Recruitment" and norwegian.description == "Handling of the applications"
    assert localize(entity, "en") is entity  # nothing to swap: the very same register
    assert entity.activities[0].name == "Recruitment"  # the register itself is left as it is


def test_a_record_without_translations_is_encoded_as_before() -> None:
    plain = ActivityIn(key="hr", name="Recruitment")
    assert b"translations" not in msgspec.json.encode(plain)
    decoded = msgspec.json.decode(msgspec.json.encode(_entity()), type=EntityIn)
    assert msgspec.json.encode(decoded) == msgspec.json.encode(_entity())


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"de": {"name": "x"}}', "unknown field `de`"),
        (b'{"da": {"key": "x"}}', "unknown field `key` - at `$.da`"),
        (b'{"da": {"name": ""}}', "at `$.da.name`"),
    ],
)
def test_an_unknown_language_or_field_or_an_empty_name_is_refused(body: bytes, path: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=path.replace("$", r"\$").replace("[", r"\[")):
        msgspec.json.decode(body, type=ActivityTranslations)
