"""Make the audit trail append-only in PostgreSQL itself.

The application never changes an event; these triggers make sure nothing
else does either without first disabling them (which `verify_audit` would
then expose through the hash chain):

- UPDATE and DELETE of an event are refused, row by row;
- the chain head may only move forward and never be deleted;
- TRUNCATE of either table is refused unless the session has set
  `azldrift.allow_truncate = on`.  Test databases are flushed with TRUNCATE
  between tests, so the test set-up sets it for the test database only
  (tests/conftest.py); an accidental `manage.py flush` in production is
  refused.  This is a guard against mistakes and the application, not a
  defence against the table's owner, who can drop triggers: run the app as a
  role that does not own the tables, and keep the head hash printed by
  `verify_audit` somewhere else to detect a wholesale rewrite.

SQLite, the zero-setup default, has no such triggers (its test flush uses
DELETE): there the hash chain alone shows tampering.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION deviations_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('azldrift.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% on % refused)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deviations_auditevent_append_only
    BEFORE UPDATE OR DELETE ON deviations_auditevent
    FOR EACH ROW EXECUTE FUNCTION deviations_auditevent_append_only();
CREATE TRIGGER deviations_auditevent_no_truncate
    BEFORE TRUNCATE ON deviations_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION deviations_auditevent_append_only();

CREATE OR REPLACE FUNCTION deviations_auditchainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.seq > OLD.seq THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head only moves forward (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deviations_auditchainhead_forward_only
    BEFORE UPDATE OR DELETE ON deviations_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION deviations_auditchainhead_forward_only();
CREATE TRIGGER deviations_auditchainhead_no_truncate
    BEFORE TRUNCATE ON deviations_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION deviations_auditevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS deviations_auditchainhead_no_truncate ON deviations_auditchainhead;
DROP TRIGGER IF EXISTS deviations_auditchainhead_forward_only ON deviations_auditchainhead;
DROP FUNCTION IF EXISTS deviations_auditchainhead_forward_only();
DROP TRIGGER IF EXISTS deviations_auditevent_no_truncate ON deviations_auditevent;
DROP TRIGGER IF EXISTS deviations_auditevent_append_only ON deviations_auditevent;
DROP FUNCTION IF EXISTS deviations_auditevent_append_only();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("deviations", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
