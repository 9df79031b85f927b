"""Processors (vendors) and the recipients of an entity."""
