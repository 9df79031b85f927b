"""Logs say what happened to which request, never what the register holds."""

import dataclasses
import json

from litestar.testing import TestClient

from ropa.app import create_app
from ropa.logging import configure
from ropa.settings import get_settings


def test_request_log_has_id_method_path_status_and_no_body(database, capsys):
    settings = dataclasses.replace(get_settings(), log_level="INFO", log_json=True)
    with TestClient(create_app(settings, pool=False, integrator=False)) as client:
        capsys.readouterr()
        response = client.post(
            "/api/entities",
            json={
                "key": "LOGCHECK",
                "legal_name": "Jensen Rådgivning ApS",
                "country": "DK",
                "email": "karen.jensen@example.dk",
                "phone": "+4512345678",
                "dpo": {"name": "Karen Jensen", "email": "karen.jensen@example.dk"},
            },
        )
        assert response.status_code == 201
        request_id = response.headers["x-request-id"]
    out = capsys.readouterr()
    text = out.out + out.err
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("event") == "http.request"]
    assert request_lines == [
        {
            "method": "POST",
            "path": "/api/entities",
            "status": 201,
            "duration_ms": request_lines[0]["duration_ms"],
            "event": "http.request",
            "request_id": request_id,
            "level": "info",
            "timestamp": request_lines[0]["timestamp"],
        }
    ]
    for secret in ("karen.jensen", "Karen Jensen", "Rådgivning", "12345678", "testclient"):
        assert secret not in text


def teardown_function():
    configure(get_settings().log_level, json=True)


def test_console_logs_render_an_error_with_its_traceback(capsys):
    """ROPA_LOG_FORMAT=console: an error's traceback is printed as text, and logging it never fails."""
    import structlog

    configure("INFO", json=False)
    try:
        log = structlog.get_logger("ropa.test")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("something.failed")
        err = capsys.readouterr()
        assert "something.failed" in err.out + err.err and "ValueError: boom" in err.out + err.err
    finally:
        configure("WARNING", json=True)
