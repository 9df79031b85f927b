"""The generic record machinery every register resource shares: schemas, validation, services."""
