"""Import and dump of a whole register in the documented ``ropa-register`` format."""
