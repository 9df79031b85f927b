"""Markers of the audit-log integration tests."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real server processes; runs in the normal suite")
