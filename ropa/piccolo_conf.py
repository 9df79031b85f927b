"""Piccolo configuration: the database engine and the app registry, nothing else (PICCOLO_CONF names it)."""

from piccolo.conf.apps import AppRegistry

from ropa.db import engine_from_env

DB = engine_from_env()

APP_REGISTRY = AppRegistry(apps=["ropa.piccolo_app", "audit.piccolo_app"])
