"""The corpus of real notices (tests/corpus/, see docs/findings.md) holds sound files.

No database. Every register must decode and pass the importer's validation (the same checks, run
against the built-in vocabularies and the file's own records instead of a database); every fact
carries a quote found in its notice; expected.yaml names real rules and records. test_corpus.py
scores the findings engine on them.
"""

from __future__ import annotations

import pytest

from ropa.porting.read import CHILDREN
from tests.unit.corpus_support import (
    CORPUS,
    RULE_SEVERITY,
    SEVERITIES,
    TODAY,
    expected,
    import_errors,
    register,
    slugs,
)
from tests.unit.demo_support import normalise, source_refs


def test_the_corpus_holds_at_least_eight_notices() -> None:
    assert len(slugs()) >= 8
    for slug in slugs():
        assert {p.name for p in (CORPUS / slug).iterdir()} >= {"notice.md", "register.yaml", "expected.yaml"}


@pytest.mark.parametrize("slug", slugs())
def test_register_decodes_and_passes_the_importers_validation(slug: str) -> None:
    reg = register(slug)
    assert reg.entities, slug
    assert import_errors(reg) == []


@pytest.mark.parametrize("slug", slugs())
def test_every_fact_carries_a_quote_found_in_the_notice(slug: str) -> None:
    text = normalise((CORPUS / slug / "notice.md").read_text(encoding="utf-8"))
    for entity in register(slug).entities:
        refs = source_refs(entity, entity.key)
        assert len(refs) >= 5, slug
        for path, ref in refs:
            assert ref.quote.strip(), path
            assert normalise(ref.quote) in text, f"{slug} {path}: not quoted in notice.md: {ref.quote}"
        for attr in ("recipients", "processors", "transfers", "retention_rules", "activities"):
            for record in getattr(entity, attr):
                assert record.sources, (slug, record.key)
        for a in entity.activities:
            assert all(p.sources for p in a.purposes), (slug, a.key)


@pytest.mark.parametrize("slug", slugs())
def test_expected_yaml_names_real_rules_and_records(slug: str) -> None:
    exp = expected(slug)
    assert exp.notice == slug
    assert exp.evaluated_on == TODAY
    reg = register(slug)
    keys = {e.key for e in reg.entities}
    for e in reg.entities:
        keys |= {d.key for d in e.documents}
        for attr, _ in CHILDREN:
            keys |= {r.key for r in getattr(e, attr)}
    for section in (exp.expected, exp.must_not, exp.known_false_positives):
        for entry in section:
            assert (entry.rule is None) != (entry.proposed is None), entry
            assert entry.why.strip(), entry
            assert all(k is None or k in keys for k in entry.keys()), entry
    for entry in exp.expected + exp.known_false_positives:
        if entry.rule is not None:
            assert entry.rule in RULE_SEVERITY, f"{slug}: no rule {entry.rule}"
            assert entry.severity in (None, RULE_SEVERITY[entry.rule]), entry
        else:
            assert entry.proposed not in RULE_SEVERITY, f"{slug}: {entry.proposed} exists; use rule:"
            assert entry.article and entry.severity in SEVERITIES, entry
    for entry in exp.must_not:
        assert entry.rule in RULE_SEVERITY, entry
    for entry in exp.known_false_positives:
        assert entry.rule is not None, entry  # a false positive is raised by an existing rule
