"""Which files the wheel holds; pyproject.toml holds the rest.

Every folder under ropa/, audit/ and exports/ ships (templates, static files and layouts are folders
without an __init__.py), and the top-level migrations/ folder ships inside the packages whose tables it
makes: migrations/ropa as ropa/migrations, migrations/audit as audit/migrations. Each Piccolo app
(ropa/piccolo_app.py, audit/piccolo_app.py) looks there when it runs from an installed wheel, and in
migrations/ when it runs from a checkout."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["ropa*", "audit*", "exports*"], exclude=["*.__pycache__"]),
        "ropa.migrations",
        "audit.migrations",
    ],
    package_dir={"ropa.migrations": "migrations/ropa", "audit.migrations": "migrations/audit"},
)
