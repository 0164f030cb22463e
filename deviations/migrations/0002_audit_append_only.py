"""Refuse UPDATE and DELETE on the audit table, in PostgreSQL itself.

The application never changes an event; this trigger makes sure nothing
else does either without first dropping it (which `verify_audit` would then
expose through the hash chain).  TRUNCATE stays possible for the table's
owner only (test databases are flushed with it); the production role that
serves the app should not own the table.  SQLite, the zero-setup default,
has no such trigger: there the hash chain alone shows tampering.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION deviations_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER deviations_auditevent_append_only
    BEFORE UPDATE OR DELETE ON deviations_auditevent
    FOR EACH ROW EXECUTE FUNCTION deviations_auditevent_append_only();
"""
POSTGRES_DOWN = """
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
