"""Compliance findings: rules that encode the law, as pure functions over the register's Structs."""
