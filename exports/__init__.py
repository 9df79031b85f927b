"""Renderers of register snapshots to PDF and Excel, in the layouts regulators ask for (docs/exports.md)."""
