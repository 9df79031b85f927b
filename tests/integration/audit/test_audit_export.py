"""The regulator's bundle: exported over the API and the CLI, verified offline by the published script."""

import io
import json
import os
import subprocess
import sys
import zipfile

from audit import verifier, verify_bundle
from tests.conftest import ENGINE, ROOT, _pg_url


def _verify(tmp_path, bundle: bytes, *extra: str) -> subprocess.CompletedProcess:
    """Run the published verifier (obtained apart from the bundle) as a regulator would: plain python."""
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    (tmp_path / "verify_bundle.py").write_bytes(verifier.source())
    return subprocess.run(
        [sys.executable, "-S", "verify_bundle.py", "bundle.zip", *extra],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": os.pathsep.join(p for p in sys.path if "site-packages" in p)},
        check=False,
    )


def test_full_export_verifies_and_records_itself(demo_client, tmp_path):
    response = demo_client.get("/api/audit/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    result = _verify(tmp_path, response.content)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "full export" in result.stdout
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        entries = [json.loads(line) for line in zf.read("entries.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
    assert [e["seq"] for e in entries] == list(range(manifest["tree_size"]))
    assert entries[-1]["leaf"]["action"] == "audit.export"
    assert any(e["leaf"]["action"] == "register.import" for e in entries)


def test_partial_export_with_the_right_key_and_tampering_detected(demo_client, tmp_path):
    key = demo_client.get("/api/audit/public-key").json()["verifier_key"]
    first = demo_client.get("/api/audit/export").content  # a checkpoint the regulator now holds
    bundle = demo_client.get("/api/audit/export", params={"from_seq": 3, "to_seq": 9}).content
    ok = _verify(tmp_path, bundle, "--key", key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "seq 3..9" in ok.stdout and "inclusion proofs verified" in ok.stdout
    assert "consistent with older checkpoints" in ok.stdout
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    files["entries.jsonl"] = files["entries.jsonl"].replace(b'"success"', b'"failure"', 1)
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    bad = _verify(tmp_path, tampered.getvalue(), "--key", key)
    assert bad.returncode == 1
    assert "seq 3" in bad.stdout
    wrong_key = _verify(tmp_path, first, "--key", "other+00000000+AQ" + "A" * 43)
    assert wrong_key.returncode == 1


def test_cli_export_by_time_and_query(demo_database, tmp_path):
    env = {**os.environ}
    if ENGINE == "postgres":
        env["ROPA_DATABASE_URL"] = _pg_url(demo_database)
    else:
        env["ROPA_SQLITE_PATH"] = demo_database
    out = tmp_path / "since.zip"
    cli = [sys.executable, "-m", "ropa", "audit"]
    exported = subprocess.run(
        [*cli, "export", "--from", "2000-01-01T00:00:00Z", "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert exported.returncode == 0, exported.stderr
    assert verify_bundle.main([str(out)]) == 0
    queried = subprocess.run(
        [*cli, "query", "--action", "entity.create", "--format", "jsonl"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert queried.returncode == 0, queried.stderr
    events = [json.loads(line) for line in queried.stdout.splitlines()]
    assert sorted(e["body"]["after"]["key"] for e in events) == ["TECHEM-DK", "TECHEM-NO"]
    reads = subprocess.run(
        [*cli, "query", "--action", "audit.read"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert '"cli-query"' in reads.stdout, "the first query was itself recorded"
