"""The built wheel works on its own: `make test-wheel` (part of `make test`).

Builds the wheel from this checkout, installs it into a fresh venv in a temporary directory outside the
checkout, and there runs what a new user runs: `ropa migrate`, `ropa seed --if-empty`, `ropa serve`;
then fetches /health, the sign-in page and every static file that page links, and checks the demo
register is served. With ROPA_TEST_POSTGRES_URL set it also migrates a fresh PostgreSQL database with
the installed migrations. Exits non-zero, saying what failed, on the first failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def run(cmd: list[str], **kwargs: object) -> str:
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"FAILED ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return str(done.stdout)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get("content-type", ""), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), exc.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_installed(venv: Path, work: Path) -> None:
    bin_ = venv / "bin"
    # Nothing of the checkout may be importable: the installed package alone answers.
    where = run([str(bin_ / "python"), "-c", "import ropa, audit, exports; print(ropa.__file__)"], cwd=work)
    if str(CHECKOUT) in where:
        sys.exit(f"FAILED: ropa was imported from the checkout ({where.strip()}), not from the wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROPA_", "PICCOLO_", "PYTHON"))} | {
        "ROPA_SQLITE_PATH": str(work / "ropa.sqlite"),
        "ROPA_LOG_LEVEL": "WARNING",
    }
    env["ROPA_AUDIT_KEY_FILE"] = str(work / "keys" / "audit.key")
    env["ROPA_SOURCE_HASH_KEY_FILE"] = str(work / "keys" / "source.key")
    run([str(bin_ / "ropa"), "migrate"], cwd=work, env=env)
    run([str(bin_ / "ropa"), "seed", "--if-empty"], cwd=work, env=env)
    port = free_port()
    server = subprocess.Popen(
        [str(bin_ / "ropa"), "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            with contextlib.suppress(OSError):
                if fetch(base + "/health")[0] == 200:
                    break
            if server.poll() is not None:
                sys.exit(f"FAILED: the server exited: {server.stdout.read().decode()[-3000:]}")  # type: ignore[union-attr]
            time.sleep(0.2)
        status, _, body = fetch(base + "/health")
        if status != 200 or b'"ok"' not in body:
            sys.exit(f"FAILED: /health answered {status}: {body[:200]!r}")
        status, kind, page = fetch(base + "/sign-in")
        if status != 200 or "text/html" not in kind:
            sys.exit(f"FAILED: /sign-in answered {status} {kind}")
        assets = sorted(set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', page)))
        files = [a.split(b"?")[0] for a in assets]
        if not any(f.endswith(b".js") for f in files) or not any(f.endswith(b".css") for f in files):
            sys.exit(f"FAILED: the sign-in page links no script or style sheet: {assets}")
        for asset in assets:
            status, _, content = fetch(base + asset.decode())
            if status != 200 or not content:
                sys.exit(f"FAILED: {asset.decode()} answered {status} ({len(content)} bytes)")
        print(f"OK: /health, /sign-in and its {len(assets)} static files served by the installed wheel")
    finally:
        server.terminate()
        server.wait(timeout=20)
    # The demo register was loaded from the wheel's own data (ropa/demo/techem.yaml).
    out = run([str(bin_ / "ropa"), "findings", "--format", "json"], cwd=work, env=env)
    if '"rule_id"' not in out:
        sys.exit("FAILED: `ropa findings` on the seeded demo register found nothing")
    pg = os.environ.get("ROPA_TEST_POSTGRES_URL")
    if pg:
        name = f"ropa_wheel_{secrets.token_hex(4)}"
        admin = pg
        run(["psql", admin, "-qc", f"CREATE DATABASE {name}"])
        try:
            url = urllib.parse.urlsplit(pg)._replace(path="/" + name).geturl()
            run([str(bin_ / "ropa"), "migrate"], cwd=work, env=env | {"ROPA_DATABASE_URL": url})
            count = "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'audit_%'"
            tables = run(["psql", url, "-Atc", count])
            if int(tables.strip() or 0) < 3:
                sys.exit(f"FAILED: PostgreSQL has {tables.strip()} audit tables after `ropa migrate`")
            print("OK: the installed migrations made the PostgreSQL schema")
        finally:
            run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ropa-wheel-") as tmp:
        root = Path(tmp)
        python = sys.executable
        run(
            [python, "-m", "pip", "wheel", "-q", "--no-deps", str(CHECKOUT), "-w", str(root / "dist")],
            cwd=root,
        )
        wheel = next((root / "dist").glob("ropa-*.whl"))
        run([sys.executable, "-m", "venv", str(root / "venv")])
        run([str(root / "venv" / "bin" / "pip"), "install", "-q", str(wheel)], cwd=root)
        work = root / "work"
        work.mkdir()
        check_installed(root / "venv", work)


if __name__ == "__main__":
    main()
