"""Retention rules: erasure time limits per data category."""
