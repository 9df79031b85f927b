"""Renderers of register snapshots to PDF and Excel (see the exports issue)."""
