"""Translations in the register file: a dump carries them, an import restores them, byte for byte, and
a record without any is written as before (no ``translations`` field at all)."""

import msgspec

from ropa.activities.schemas import ActivityText, ActivityTranslations, PurposeText, PurposeTranslations
from ropa.entities.schemas import Authority, EntityText, EntityTranslations, RemitText, RemitTranslations
from ropa.porting.services import dump_register, import_register
from ropa.processors.schemas import ProcessorText, ProcessorTranslations
from tests.conftest import run
from tests.integration.register.register_support import fresh_empty_database


def _translated(register):
    entity = register.entities[0]
    activity = entity.activities[0]
    purpose = msgspec.structs.replace(
        activity.purposes[0],
        translations=PurposeTranslations(nb=PurposeText(description="Å vurdere søknadene")),
    )
    activity = msgspec.structs.replace(
        activity,
        purposes=[purpose, *activity.purposes[1:]],
        translations=ActivityTranslations(da=ActivityText(name="Løn", notes="Intern note")),
    )
    processor = msgspec.structs.replace(
        entity.processors[0], translations=ProcessorTranslations(da=ProcessorText(description="Lønbureau"))
    )
    authority = Authority(
        name="Datatilsynet",
        country="DK",
        remit="Supervises data protection",
        translations=RemitTranslations(da=RemitText(remit="Fører tilsyn med databeskyttelse")),
    )
    entity = msgspec.structs.replace(
        entity,
        activities=[activity, *entity.activities[1:]],
        processors=[processor, *entity.processors[1:]],
        translations=EntityTranslations(nb=EntityText(security_statement="Tilgangen er begrenset")),
        other_authorities=[*entity.other_authorities, authority],
    )
    return msgspec.structs.replace(register, entities=[entity, *register.entities[1:]])


def test_translations_survive_dump_import_dump(demo_database, templates):
    plain = run(dump_register())
    assert b'"translations"' not in msgspec.json.encode(plain)  # none recorded: none written
    register = _translated(plain)
    fresh_empty_database(templates)
    run(import_register(register))
    first = run(dump_register())
    assert msgspec.json.encode(first) == msgspec.json.encode(register)
    activity = first.entities[0].activities[0]
    assert activity.translations.da.name == "Løn" and activity.translations.da.notes == "Intern note"
    assert activity.purposes[0].translations.nb.description == "Å vurdere søknadene"
    assert first.entities[0].translations.nb.security_statement == "Tilgangen er begrenset"
    assert first.entities[0].other_authorities[-1].translations.da.remit == "Fører tilsyn med databeskyttelse"
    fresh_empty_database(templates)
    run(import_register(first))
    second = run(dump_register())
    assert msgspec.yaml.encode(second) == msgspec.yaml.encode(first)
    assert msgspec.json.encode(second) == msgspec.json.encode(first)
