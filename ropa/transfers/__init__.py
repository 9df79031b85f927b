"""Transfers to third countries and international organisations."""
