"""Piccolo's configuration for the `piccolo` command run in a checkout; ropa itself reads ropa/piccolo_conf.py
(ropa/__init__.py points PICCOLO_CONF there), which is what an installed wheel has."""

from ropa.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
