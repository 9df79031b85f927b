"""One language list, one catalogue per domain, no fallback: every text a page, an export or a finding
shows exists in every language, and a missing one is an error, never English in a Danish export."""

from __future__ import annotations

import string
from pathlib import Path

import msgspec
import pytest

from exports.i18n import Texts
from exports.layouts import BUILTIN, Layout, layouts
from ropa.constraints import Language
from ropa.i18n import (
    DOMAIN_LANGUAGES,
    DOMAINS,
    EXPORT_LANGUAGES,
    HERE,
    LANGUAGE_NAMES,
    LANGUAGES,
    LOCALES,
    CatalogueError,
    catalogue,
    load,
)
from ropa.rules.words import FIELDS, RETENTION_KINDS, ROLES
from ropa.vocabulary.schemas import Labels
from ropa.web.pages import UiTexts


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_catalogue_file_is_a_known_domain():
    assert sorted(p.stem for p in HERE.glob("*.yaml")) == sorted(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_key_is_in_every_language_with_the_same_placeholders(domain):
    table = catalogue(domain)
    assert table, domain
    languages = DOMAIN_LANGUAGES.get(domain, LANGUAGES)  # an export's catalogues hold French too
    for key, texts in table.items():
        assert set(texts) == set(languages), f"{domain}.yaml: {key}"
        assert all(texts[lang].strip() for lang in languages), f"{domain}.yaml: {key}"
        shapes = {lang: _placeholders(texts[lang]) for lang in languages}
        assert len({frozenset(s) for s in shapes.values()}) == 1, f"{domain}.yaml: {key}: {shapes}"


def test_the_one_language_list_is_the_one_everything_uses():
    assert set(LANGUAGE_NAMES) == set(LOCALES) == set(EXPORT_LANGUAGES)
    assert EXPORT_LANGUAGES[: len(LANGUAGES)] == LANGUAGES  # the web's languages, and French for exports
    assert tuple(Labels.__struct_fields__) == EXPORT_LANGUAGES  # a vocabulary term's labels
    assert set(DOMAIN_LANGUAGES) == {"exports", "fields"}  # the catalogues an export reads
    entity_language = msgspec.json.Decoder(Language)
    for lang in LANGUAGES:
        assert entity_language.decode(f'"{lang}"') == lang
    with pytest.raises(msgspec.ValidationError):
        entity_language.decode('"de"')
    for table in (FIELDS, RETENTION_KINDS, ROLES):
        assert all(set(w.texts) == set(LANGUAGES) for w in table.values())


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_a_missing_key_is_an_error_not_english(lang):
    t = Texts(lang, [])
    assert t("title.controller") != Texts("en", [])("title.controller")
    with pytest.raises(KeyError):
        t("no.such.label")
    with pytest.raises(KeyError):  # the web's own labels are not the export's
        t("nav.dashboard")
    assert UiTexts(lang, [])("nav.dashboard") != UiTexts("en", [])("nav.dashboard")


def test_a_catalogue_missing_a_language_or_a_text_is_refused(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text('ok: {en: "Yes", da: "Ja", nb: "Ja"}\nmissing: {en: "Only English", da: "Kun dansk"}\n')
    with pytest.raises(CatalogueError, match="missing: needs exactly en, da, nb"):
        load(path)
    path.write_text('empty: {en: "Text", da: "", nb: "Tekst"}\n')
    with pytest.raises(CatalogueError, match="empty: no text in da"):
        load(path)
    path.write_text('no: {en: "No", da: "Nej", nb: "Nei"}\n')
    with pytest.raises(CatalogueError, match="quote the keys"):
        load(path)
    path.write_text('ok: {en: "Yes", da: "Ja", nb: "Ja"}\n')  # an export's catalogue needs French too
    with pytest.raises(CatalogueError, match="ok: needs exactly en, da, nb, fr"):
        load(path, EXPORT_LANGUAGES)


def test_the_web_reads_the_exports_words_and_its_own():
    web, export = UiTexts("da", []), Texts("da", [])
    assert web("field.purposes") == export("field.purposes")
    assert web("audit.title") == "Revisionslog"
    assert web("find.title") == "Fund"


def test_every_built_in_layout_is_titled_in_every_language_and_never_headed_in_english_elsewhere():
    for path in sorted(BUILTIN.glob("*.yaml")):
        layout = msgspec.yaml.decode(path.read_bytes(), type=Layout)
        assert set(layout.title) == set(EXPORT_LANGUAGES), path.name
    ico = layouts()["ico"]  # its headings are the ICO template's English wording, given in English only
    purposes = next(c for c in ico.columns if c.field == "purposes")
    assert ico.heading(purposes, Texts("en", [])) == "Purpose of processing"
    for lang in ("da", "nb"):
        assert ico.heading(purposes, Texts(lang, [])) == Texts(lang, [])("field.purposes")
