"""Legal entities: the controllers and processors that keep a record."""
