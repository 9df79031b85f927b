"""Structs shared by several kinds of record: source evidence, contacts, addresses."""

from typing import Any

import msgspec

from ropa.constraints import (
    Country,
    DocumentRef,
    Email,
    LongText,
    Name,
    Phone,
    ShortText,
    SourceLanguage,
    Url,
)


class Base(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Every input struct rejects unknown fields, so a typo is an error, not silently dropped."""


class SourceRef(Base, kw_only=True):
    """Where a fact comes from: a document of the entity and the sentence quoted from it."""

    document: DocumentRef
    quote: LongText
    field: ShortText | None = None
    language: SourceLanguage | None = None
    translation: LongText | None = None
    locator: ShortText | None = None


class Address(Base, kw_only=True):
    street: ShortText | None = None
    postal_code: ShortText | None = None
    city: ShortText | None = None
    country: Country


class Contact(Base, kw_only=True):
    """A person or organisation with contact details (Art. 30(1)(a))."""

    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    url: Url | None = None


class Sourced(Base, kw_only=True):
    """Mixin: a record that carries source evidence."""

    sources: list[SourceRef] = []
    notes: LongText | None = None


def extend(base: type[msgspec.Struct], name: str, *fields: tuple[str, Any, Any] | tuple[str, Any]) -> Any:
    """A subclass of ``base`` with more fields (msgspec forbids mixing two field-holding bases)."""
    return msgspec.defstruct(
        name, list(fields), bases=(base,), kw_only=True, forbid_unknown_fields=True, module=base.__module__
    )


class Text(Base, kw_only=True, omit_defaults=True):
    """The translations of one record part's free text into one language: a closed set of fields, each
    bounded as the field it translates. A field left out is shown as written (``exports/localize.py``)."""


class Translations(Base, kw_only=True, omit_defaults=True):
    """A record part's free text translated: per language an export is made in, the part's ``Text``.

    Each kind names its own (``ActivityTranslations``: ``en``, ``da``, ``nb``, ``fr``, each an
    ``ActivityText``), so the API schema shows the fields; the languages are those of
    ``ropa.i18n.EXPORT_LANGUAGES`` (not imported:
    the catalogues read the vocabulary's schema, which reads this module), and
    tests/unit/test_translations_model.py keeps them the same. A language left out has none."""
