"""The reminder outbox: due notices queued from the officer's to-do list and delivered by mail."""
