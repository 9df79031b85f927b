"""The ropa command line's register-file commands: ``import`` (a register file, ropa's own workbook or
an authority's template), ``dump`` and ``seed`` (the demo register and its accounts)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ropa.settings import get_settings

DEMO = Path(__file__).parent / "demo" / "techem.yaml"


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refused before they are read when it is larger than ``limit``."""
    from ropa.errors import Invalid

    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Invalid.of([("file", f"is larger than {limit:,} bytes, the most a register file may hold")])
    return data


async def import_file(path: Path, source: str, integrate: bool = True) -> dict[str, int]:
    """Import, then sequence and sign at once, so the new register starts under a checkpoint."""
    from ropa.auditing.integrator import integrator
    from ropa.porting.services import decode, import_register

    if path.suffix == ".xlsx":
        from exports.read_xlsx import MAX_TOTAL_BYTES, read_workbook

        register = read_workbook(read_bounded(path, MAX_TOTAL_BYTES))
    else:
        from ropa.porting.bounds import MAX_FILE_BYTES

        register = decode(read_bounded(path, MAX_FILE_BYTES), yaml=path.suffix in (".yaml", ".yml"))
    counts = await import_register(register, source=source)
    if integrate:
        await integrator().integrate_all(checkpoint=True)
    return counts


async def seed(args: argparse.Namespace) -> int:
    from ropa.tables import LegalEntity

    if not args.demo:
        print("nothing to seed: pass --demo", file=sys.stderr)
        return 2
    if await LegalEntity.exists().where(LegalEntity.key.is_in(["TECHEM-DK", "TECHEM-NO"])):
        print("demo register already loaded")
        return 0
    from ropa.auditing.integrator import integrator

    counts = await import_file(DEMO, source="demo", integrate=False)
    print(f"demo register loaded: {counts}")
    await make_demo_accounts()
    await integrator().integrate_all(checkpoint=True)  # the seed ends under one signed checkpoint
    return 0


async def make_demo_accounts() -> None:
    """One account per role; their passwords are printed once and kept in var/ (mode 600)."""
    from ropa.access.users import demo_accounts

    made = await demo_accounts()
    if not made:
        return
    lines = [f"{username:16} {role:20} {password}" for username, role, password in made]
    path = Path(get_settings().sqlite_path).parent / "demo-accounts.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n")
    print("demo accounts (sign in at /sign-in in the browser; also written to " + str(path) + "):")
    for line in lines:
        print("  " + line)


async def seed_if_empty(args: argparse.Namespace) -> int:
    from ropa.tables import LegalEntity

    if await LegalEntity.count():
        print("database holds a register; demo not loaded")
        return 0
    args.demo = True
    return await seed(args)


async def import_(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".ods", ".csv"):
        from exports.read_xlsx import MAX_TOTAL_BYTES, check_package
        from ropa.porting.templates.services import import_workbook

        data = read_bounded(path, MAX_TOTAL_BYTES)
        lines = await import_workbook(path.name, data, check_package, args.apply)
        if lines is not None:  # an authority's template, else ropa's own export
            print("\n".join(lines))
            return 0
    counts = await import_file(path, source=f"file:{path.name}")
    print(f"imported: {counts}")
    return 0


async def dump(args: argparse.Namespace) -> int:
    import msgspec

    from ropa.porting.services import dump_register

    if args.as_of:
        from ropa.auditing.services import parse_time
        from ropa.porting.as_of import entity_as_of
        from ropa.porting.schemas import RegisterFile

        if not args.entity:
            print("--as-of needs --entity KEY", file=sys.stderr)
            return 2
        moment = parse_time(args.as_of, "as_of")
        assert moment is not None
        register = RegisterFile(entities=[await entity_as_of(args.entity, moment)])
    else:
        register = await dump_register()
    yaml = args.output is None or args.output.endswith((".yaml", ".yml"))
    data = msgspec.yaml.encode(register) if yaml else msgspec.json.format(msgspec.json.encode(register))
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0
