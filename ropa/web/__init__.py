"""The web interface: server-rendered pages over the same services, guard and validation as the API."""
