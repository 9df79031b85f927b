"""evaluate_in_order() gives evaluate()'s findings in its order; messages in the languages asked for."""

import datetime as dt

import msgspec

from ropa.findings.services import annotate, annotate_in_order
from ropa.porting.schemas import RegisterFile
from ropa.rules.engine import evaluate, evaluate_in_order
from ropa.rules.model import Context
from tests.unit.rules.rules_support import builtin_terms, context


def test_in_order_is_evaluate_for_the_group_and_for_each_entity(register: RegisterFile) -> None:
    assert list(evaluate_in_order(register, context())) == evaluate(register, context())
    for entity in register.entities:
        alone = RegisterFile(vocabularies=register.vocabularies, entities=[entity])
        assert list(evaluate_in_order(alone, context())) == evaluate(alone, context())


def test_annotate_in_order_is_annotate(register: RegisterFile) -> None:
    today = dt.date(2026, 11, 22)
    assert list(annotate_in_order(register, today)) == annotate(register, today)


def test_messages_in_the_languages_asked_for(register: RegisterFile) -> None:
    every = evaluate(register, context())
    danish = evaluate(register, Context.build(builtin_terms(), context().today, ("da",)))
    assert len(danish) == len(every)
    for one, all_ in zip(danish, every, strict=True):
        assert one.message == {"da": all_.message["da"]}
        assert one.remediation == {"da": all_.remediation["da"]}
        assert msgspec.structs.replace(one, message=all_.message, remediation=all_.remediation) == all_
