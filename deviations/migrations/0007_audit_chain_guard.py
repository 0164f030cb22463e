"""Guard the audit chain's end in PostgreSQL, and tie the TRUNCATE bypass to a role.

0002 made events append-only but let any row be appended: a correctly chained row
inserted after the chain head, without moving it, passed `verify_audit` (which reads up
to the head) and then blocked every audited write (UNIQUE seq).  Now:

- an event must extend the chain: its `seq` is the head's + 1 and its `prev_hash` the
  head's hash -- or, within one transaction that appends several events before moving
  the head (`audit.record_many`), the previous event's seq + 1 and hash;
- the head must move with the events in the same transaction: at commit (deferred
  constraint triggers) no event lies past the head, and the head names the last event
  (its seq and hash), or the genesis when there is none.

And the TRUNCATE bypass of 0002 (`SET azldrift.allow_truncate = on`, which any session
could set) is gone: TRUNCATE of the audit tables is refused unless the current user is
directly a member of the role `azldrift_test_reset`.  Only the test set-up creates that
role and grants it (tests/conftest.py), because test databases are flushed with TRUNCATE;
superusers are not members unless granted, so an accidental `manage.py flush` in
production is refused for them too.  As before, this guards against mistakes and the
application, not against the tables' owner, who can drop triggers.

SQLite has no such triggers: there `verify_audit` finds rows past the head.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION deviations_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND EXISTS (
        SELECT 1
        FROM pg_auth_members m
        JOIN pg_roles r ON r.oid = m.roleid
        JOIN pg_roles u ON u.oid = m.member
        WHERE r.rolname = 'azldrift_test_reset' AND u.rolname = current_user
    ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% on % refused)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION deviations_auditevent_chained() RETURNS trigger AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    last_seq bigint;
    last_hash text;
    want_seq bigint;
    want_prev text;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM deviations_auditchainhead WHERE id = 1;
    SELECT seq, hash INTO last_seq, last_hash
        FROM deviations_auditevent ORDER BY seq DESC LIMIT 1;
    IF last_seq > coalesce(head_seq, 0) THEN
        -- An earlier event of this transaction's batch: the head moves after the batch
        -- (an event past the head that is not this transaction's fails at commit).
        want_seq := last_seq + 1;
        want_prev := last_hash;
    ELSE
        want_seq := coalesce(head_seq, 0) + 1;
        want_prev := coalesce(head_hash, repeat('0', 64));
    END IF;
    IF NEW.seq IS DISTINCT FROM want_seq OR NEW.prev_hash IS DISTINCT FROM want_prev THEN
        RAISE EXCEPTION 'audit event #% refused: the next event is #%, chained onto %',
            NEW.seq, want_seq, want_prev
            USING HINT = 'events are appended at the chain head (deviations.domain.audit)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deviations_auditevent_chained
    BEFORE INSERT ON deviations_auditevent
    FOR EACH ROW EXECUTE FUNCTION deviations_auditevent_chained();

-- At commit: every event written is at or below the head (one index read per event) ...
CREATE OR REPLACE FUNCTION deviations_auditevent_under_head() RETURNS trigger AS $$
DECLARE
    head_seq bigint;
BEGIN
    SELECT seq INTO head_seq FROM deviations_auditchainhead WHERE id = 1;
    IF head_seq IS NULL OR NEW.seq > head_seq THEN
        RAISE EXCEPTION 'audit event #% lies past the chain head (#%): the head must move '
            'to the last event in the same transaction', NEW.seq, coalesce(head_seq, 0);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER deviations_auditevent_under_head
    AFTER INSERT ON deviations_auditevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION deviations_auditevent_under_head();

-- ... and the head, wherever it was moved, names the last event exactly.
CREATE OR REPLACE FUNCTION deviations_auditchainhead_at_last() RETURNS trigger AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    last_seq bigint;
    last_hash text;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM deviations_auditchainhead WHERE id = 1;
    SELECT seq, hash INTO last_seq, last_hash
        FROM deviations_auditevent ORDER BY seq DESC LIMIT 1;
    IF head_seq IS DISTINCT FROM coalesce(last_seq, 0)
       OR head_hash IS DISTINCT FROM coalesce(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'the audit chain head (#%) disagrees with the last event (#%): the '
            'head must name the last event, seq and hash', head_seq, coalesce(last_seq, 0);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER deviations_auditchainhead_at_last
    AFTER INSERT OR UPDATE ON deviations_auditchainhead
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION deviations_auditchainhead_at_last();
"""

# Back to 0002: the session setting opens TRUNCATE again.
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS deviations_auditchainhead_at_last ON deviations_auditchainhead;
DROP FUNCTION IF EXISTS deviations_auditchainhead_at_last();
DROP TRIGGER IF EXISTS deviations_auditevent_under_head ON deviations_auditevent;
DROP FUNCTION IF EXISTS deviations_auditevent_under_head();
DROP TRIGGER IF EXISTS deviations_auditevent_chained ON deviations_auditevent;
DROP FUNCTION IF EXISTS deviations_auditevent_chained();

CREATE OR REPLACE FUNCTION deviations_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('azldrift.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% on % refused)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("deviations", "0006_no_joined_ordering_defaults_constraints")]
    operations = [migrations.RunPython(up, down)]
