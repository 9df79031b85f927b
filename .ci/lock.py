"""Rewrite requirements.lock: every dependency of ropa and of its dev group, pinned (`make lock`).

`pip lock` (PEP 751) resolves the project without installing it; its pylock.toml names the wheel
files of this machine's platform and index, so only names and versions are kept: the pins install
on any platform, from any index.
"""

import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADER = """\
# Every dependency of ropa and of its dev group, pinned. Written by `make lock` (.ci/lock.py) from
# `pip lock`; `make` installs from it, so CI and every checkout run the same versions.
"""


def main() -> None:
    scratch = ROOT / "pylock.scratch.toml"  # pip lock writes only inside the project it locks
    try:
        subprocess.run(  # noqa: S603 - a fixed command: this interpreter's pip
            [sys.executable, "-m", "pip", "lock", "-q", "--group", "dev", ".", "-o", scratch.name],
            cwd=ROOT,
            check=True,
        )
        packages = tomllib.loads(scratch.read_text())["packages"]
    finally:
        scratch.unlink(missing_ok=True)
    pins = sorted(f"{p['name']}=={p['version']}" for p in packages if "version" in p and p["name"] != "ropa")
    (ROOT / "requirements.lock").write_text(HEADER + "\n".join(pins) + "\n")
    print(f"requirements.lock: {len(pins)} pins")


if __name__ == "__main__":
    main()
