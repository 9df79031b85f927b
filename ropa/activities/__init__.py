"""Processing activities: the rows of the Art. 30 record."""
