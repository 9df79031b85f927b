"""The register's use of the audit log: signing key, integrator, verification, queries and history."""
