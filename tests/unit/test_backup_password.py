"""pg_dump and pg_restore never get the database password on their command line (`ps` shows it)."""

from __future__ import annotations

from ropa.backup import split_password


def test_the_password_leaves_the_url_and_is_decoded() -> None:
    url, password = split_password(
        "postgresql://ropa_app:p%40ss%3Aw0rd@db.internal:5433/ropa?sslmode=require"
    )
    assert url == "postgresql://ropa_app@db.internal:5433/ropa?sslmode=require"
    assert password == "p@ss:w0rd"


def test_a_url_without_a_password_is_unchanged() -> None:
    assert split_password("postgresql://postgres@127.0.0.1:5432/test") == (
        "postgresql://postgres@127.0.0.1:5432/test",
        None,
    )
