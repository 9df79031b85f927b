"""Controlled vocabularies with labels in English, Danish and Norwegian."""
