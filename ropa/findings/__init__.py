"""Findings of the rules engine as the register's users see them, and their risk acceptances."""
