"""Guard the audit chain's end in PostgreSQL, and tie the TRUNCATE bypass to a role.

0002 made events append-only but let any row be appended: a correctly chained row
inserted after the chain head, without moving it, passed `verify_audit` (which reads up
to the head) and then blocked every audited write (UNIQUE seq).  Now:

- an event must extend the chain: its `seq` is the head's + 1 and its `prev_hash` the
  head's hash -- or, within one transaction that appends several events before moving
  the head (`audit.record_many`), the previous event's seq + 1 and hash (checked once
  per statement, so a bulk insert pays one query, not one per row);
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
    bad_seq bigint;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM deviations_auditchainhead WHERE id = 1;
    -- One query for the whole statement (a bulk insert of thousands of events): each
    -- new event lies past the head and chains onto the event before it, which is the
    -- head's or one of this transaction's (the head moves after the batch).
    SELECT added.seq INTO bad_seq
        FROM added LEFT JOIN deviations_auditevent pred ON pred.seq = added.seq - 1
        WHERE added.seq <= coalesce(head_seq, 0)
           OR added.prev_hash IS DISTINCT FROM
              (CASE WHEN added.seq = 1 THEN repeat('0', 64) ELSE pred.hash END)
        ORDER BY added.seq LIMIT 1;
    IF bad_seq IS NOT NULL THEN
        RAISE EXCEPTION 'audit event #% refused: an event extends the chain at its head '
            '(#%, %): its seq is the one after and its prev_hash that event''s hash',
            bad_seq, coalesce(head_seq, 0), coalesce(head_hash, repeat('0', 64))
            USING HINT = 'events are appended through deviations.domain.audit';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deviations_auditevent_chained
    AFTER INSERT ON deviations_auditevent
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION deviations_auditevent_chained();

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
    dependencies = [("deviations", "0007_audit_actions_logins_refusals")]
    operations = [migrations.RunPython(up, down)]
