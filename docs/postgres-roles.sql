-- PostgreSQL roles for ropa: the application may only INSERT and SELECT the audit tables.
--
-- Run as the database owner (the role that ran `ropa migrate`), after migrating:
--   psql "$OWNER_URL" -v app_role=ropa_app -v app_password='change-me' -f docs/postgres-roles.sql
-- then serve with ROPA_DATABASE_URL=postgresql://ropa_app:change-me@host/db
--
-- The owner keeps the tables (so the app cannot DROP or ALTER them, nor DROP TRIGGER); the
-- triggers installed by the migrations also stop the owner from UPDATE, DELETE and TRUNCATE.
-- A superuser can still bypass both: that is what the signed checkpoints are for.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_role', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_role";

-- The register, finding acceptances, accounts and their credentials: read and write, never delete
-- (records are retired, credentials revoked, accounts disabled; nothing is deleted).
GRANT SELECT, INSERT, UPDATE ON legal_entity, processing_activity, processor, recipient, transfer,
    retention_rule, cookie, vocabulary_term, finding_acceptance, app_user, credential TO :"app_role";
-- The owners' questionnaire links and their answers: revoked or decided, never deleted.
GRANT SELECT, INSERT, UPDATE ON questionnaire_link TO :"app_role";
-- The reminder outbox: notices are sent, failed or cancelled, never deleted.
GRANT SELECT, INSERT, UPDATE ON reminder TO :"app_role";

-- The audit log: append and read only.
GRANT SELECT, INSERT ON audit_event, audit_leaf, audit_node, audit_checkpoint TO :"app_role";
GRANT USAGE, SELECT ON SEQUENCE audit_event_event_id_seq TO :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, audit_leaf, audit_node, audit_checkpoint FROM :"app_role";

-- Migrations run as the owner (`ropa migrate`), never as the application; the application may read
-- which ones ran. (At start-up the service checks that the audit triggers are installed.)
GRANT SELECT ON migration TO :"app_role";
