"""`manage.py notify`: one digest per user of what changed for them, over real SMTP, each
item once (tests/notify/smtp_server.py is an aiosmtpd server on 127.0.0.1)."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from deviations.domain import audit, reviews, watches
from deviations.domain.permissions import REVIEWER, VIEWER
from deviations.models import Digest, NotifyRun, SentNotification
from deviations.vocabulary import AuditAction, Decision, Origin
from tests import factories

pytestmark = pytest.mark.django_db


def run_notify(*args: str) -> str:
    out = StringIO()
    call_command("notify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def people():
    """Ann authors config changes (her account e-mail is her commits'); Wes commits as
    "Wes Writer" (a linked git identity by name); Walt watches; Rita reviews."""
    ann = factories.make_user("ann", roles=[VIEWER], email="ann@users.invalid")
    wes = factories.make_user("wes", roles=[VIEWER], email="wes@example.test")
    from deviations.models import GitIdentity

    GitIdentity.objects.create(user=wes, name="Wes Writer")
    walt = factories.make_user("walt", roles=[VIEWER], email="walt@example.test")
    rita = factories.make_user("rita", roles=[REVIEWER], email="rita@example.test")
    return SimpleNamespace(ann=ann, wes=wes, walt=walt, rita=rita)


def request_changes(reviewer, dev, comment="Say why this is needed."):
    return reviews.decide(
        audit.Actor.for_user(reviewer),
        dev,
        Decision.CHANGES_REQUESTED,
        comment,
        seen=reviews.seen_now(dev),
    )


def sync_breaks(dev, *, at_pin: bool, at_tip: bool):
    """The event a sync writes when a deviation's verdicts change (domain/sync/store.py)."""
    before = {"verdict_at_pin": "applied", "verdict_at_tip": "applied"}
    after = {
        "verdict_at_pin": "failed" if at_pin else "applied",
        "verdict_at_tip": "failed" if at_tip else "applied",
        "pinned_commit": "1" * 40,
        "tip_commit": "2" * 40,
    }
    audit.record(
        audit.Actor.job("sync #9"),
        AuditAction.SYNC_DEVIATION_CHANGED,
        **audit.describe(dev),
        component_name=dev.component.name,
        before=before,
        after=after,
    )


def test_each_user_gets_one_digest_of_their_items_and_a_second_run_sends_nothing(
    smtp_server, people
):
    walt, rita = people.walt, people.rita
    by_ann = factories.make_commit("Add overlays", author="Ann Author")
    by_wes = factories.make_commit("Pin it", author="Wes Writer", email="wes@elsewhere.invalid")
    anns = factories.make_deviation("bash", introduced=by_ann, description="Drop a test")
    wess = factories.make_deviation("zlib", introduced=by_wes, description="Pin zlib")
    watches.watch_component(audit.Actor.for_user(walt), walt, factories.component_named("curl"))
    watches.watch_filter(audit.Actor.for_user(walt), walt, "q=needle&page=3", "needles")

    request_changes(rita, anns)
    sync_breaks(wess, at_pin=True, at_tip=True)
    new_in_curl = factories.make_deviation("curl", description="Disable HTTP/3")
    needle = factories.make_deviation("xz", description="A needle in xz")
    factories.make_deviation("sed", description="Nobody watches this")

    out = run_notify("--since", "1d")

    assert "3 digests" in out, out
    assert [r.rcpt_tos for r in smtp_server.received] == [
        ["ann@users.invalid"],
        ["wes@example.test"],
        ["walt@example.test"],
    ]
    (to_ann,) = smtp_server.to("ann@users.invalid")
    assert to_ann.message["Subject"] == "[azldrift] 1 change for you"
    assert to_ann.mail_from == "azldrift@example.test"
    assert "Changes requested on your work (1)" in to_ann.body
    assert "changes requested by rita" in to_ann.body
    assert "Say why this is needed." in to_ann.body
    assert f"https://azldrift.example.test/deviations/{anns.pk}/" in to_ann.body
    (to_wes,) = smtp_server.to("wes@example.test")
    assert "Your deviations broken now (1)" in to_wes.body
    assert "Your deviations breaking on rebase (1)" in to_wes.body
    (to_walt,) = smtp_server.to("walt@example.test")
    assert to_walt.message["Subject"] == "[azldrift] 2 changes for you"
    assert f"/deviations/{new_in_curl.pk}/" in to_walt.body
    assert "in curl, which you watch" in to_walt.body
    assert f"/deviations/{needle.pk}/" in to_walt.body
    assert "matches your saved filter needles" in to_walt.body
    assert "Nobody watches this" not in to_walt.body
    # Rita acted; she is told nothing of her own decision.
    assert smtp_server.to("rita@example.test") == []

    # Every digest is on the trail, with what it held (never the text).
    events = audit_events(AuditAction.DIGEST_SENT)
    assert {e.object_repr for e in events} == {"ann", "wes", "walt"}
    walt_event = next(e for e in events if e.object_repr == "walt")
    assert walt_event.after["items"] == {"new-in-watched": 2}

    # Again: nothing new, nothing sent -- whether the run starts after the last one or
    # is told to read the same events again.
    assert "0 digests" in run_notify()
    assert "0 digests" in run_notify("--since", "1d")
    assert len(smtp_server.received) == 3

    # Something new: only that is sent.
    request_changes(rita, wess, "And this one?")
    run_notify()
    assert len(smtp_server.received) == 4
    latest = smtp_server.received[-1]
    assert latest.rcpt_tos == ["wes@example.test"]
    assert "And this one?" in latest.body and "broken now" not in latest.body
    assert NotifyRun.objects.count() == 4


def audit_events(action):
    from deviations.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_a_refused_message_marks_nothing_and_is_sent_by_the_next_run(smtp_server, people):
    ann, rita = people.ann, people.rita
    dev = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    request_changes(rita, dev)

    smtp_server.refuse = True
    err = StringIO()
    with pytest.raises(CommandError, match=r"0 digests sent, 1 not \(ann\)"):
        call_command("notify", "--since", "1d", stdout=StringIO(), stderr=err)
    assert "not taking mail" in err.getvalue()
    assert not SentNotification.objects.exists() and not Digest.objects.exists()
    assert audit_events(AuditAction.DIGEST_SENT) == []

    # The next run, without --since, reads the failed run's events again.
    smtp_server.refuse = False
    run_notify()
    assert [r.rcpt_tos for r in smtp_server.received] == [["ann@users.invalid"]]
    assert SentNotification.objects.filter(user=ann).count() == 1


def test_one_refused_recipient_does_not_hold_up_the_others(smtp_server, people):
    rita = people.rita
    by_ann = factories.make_commit(author="Ann Author")
    by_wes = factories.make_commit(author="Wes Writer", email="w@elsewhere.invalid")
    request_changes(rita, factories.make_deviation("bash", introduced=by_ann))
    request_changes(rita, factories.make_deviation("zlib", introduced=by_wes))
    smtp_server.refuse_to = {"ann@users.invalid"}
    with pytest.raises(CommandError, match=r"1 digests sent, 1 not \(ann\)"):
        call_command("notify", "--since", "1d", stdout=StringIO(), stderr=StringIO())
    assert [r.rcpt_tos for r in smtp_server.received] == [["wes@example.test"]]
    smtp_server.refuse_to = set()
    run_notify()
    assert [r.rcpt_tos for r in smtp_server.received] == [
        ["wes@example.test"],
        ["ann@users.invalid"],
    ]


def test_approvals_lapsed_on_your_work(smtp_server, people):
    rita = people.rita
    dev = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    factories.recorded_approval(dev, rita)
    factories.add_version(dev, {"type": "spec-add-tag", "tag": "Provides", "value": "changed"})
    reviews.lapse_changed(audit.Actor.job("import #7"), [dev], cause="import #7")

    run_notify("--since", "1d")

    (mail,) = smtp_server.to("ann@users.invalid")
    assert "Approvals of your work lapsed (1)" in mail.body
    assert "import #7" in mail.body


def test_a_dry_run_prints_the_digests_and_sends_and_records_nothing(smtp_server, people):
    rita = people.rita
    dev = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    request_changes(rita, dev)

    out = run_notify("--dry-run", "--since", "1d")

    assert "To: ann@users.invalid" in out and "changes requested by rita" in out
    assert "dry run: 1 digests, 1 items" in out
    assert smtp_server.received == []
    assert not NotifyRun.objects.exists() and not SentNotification.objects.exists()
    run_notify("--since", "1d")
    assert len(smtp_server.received) == 1


def test_no_digest_for_accounts_without_a_role_an_email_or_activity(smtp_server, people):
    ann, rita = people.ann, people.rita
    from deviations.domain import people as accounts

    accounts.set_roles(factories.SETUP, ann, [])
    dev = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    request_changes(rita, dev)
    run_notify("--since", "1d")
    assert smtp_server.received == []


def test_the_console_backend_prints_a_digest(settings, people, capsys):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    rita = people.rita
    dev = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    request_changes(rita, dev)
    out = run_notify("--since", "1d")
    assert "1 digests" in out
    printed = capsys.readouterr().out
    assert "To: ann@users.invalid" in printed and "changes requested by rita" in printed


@pytest.mark.parametrize("since", ["yesterday", "3w", "2026-13-01"])
def test_since_must_be_a_moment(since):
    with pytest.raises(CommandError, match="--since"):
        run_notify("--since", since)


def test_watching_is_audited_and_idempotent(people):
    walt = people.walt
    actor = audit.Actor.for_user(walt, Origin.WEB)
    curl = factories.component_named("curl")
    first, made = watches.watch_component(actor, walt, curl)
    again, made_again = watches.watch_component(actor, walt, curl)
    assert made and not made_again and first.pk == again.pk
    saved, _ = watches.watch_filter(actor, walt, "page=2&kind=overlay&q=&category=azl-pruning")
    assert saved.query == "category=azl-pruning&kind=overlay"
    watches.unwatch(actor, first)
    added = audit_events(AuditAction.WATCH_ADDED)
    removed = audit_events(AuditAction.WATCH_REMOVED)
    assert [e.after["component"] for e in added] == ["curl", ""]
    assert [e.before["component"] for e in removed] == ["curl"]
    assert removed[0].component_name == "curl"


def test_a_long_section_lists_fifty_and_counts_the_rest(smtp_server, people):
    walt = people.walt
    watches.watch_component(audit.Actor.for_user(walt), walt, factories.component_named("curl"))
    for n in range(53):
        factories.make_deviation("curl", description=f"change {n}")
    run_notify("--since", "1d")
    (mail,) = smtp_server.to("walt@example.test")
    assert mail.message["Subject"] == "[azldrift] 53 changes for you"
    assert mail.body.count("/deviations/") == 50
    assert "- and 3 more: https://azldrift.example.test/mine/" in mail.body
    assert SentNotification.objects.filter(user=walt).count() == 53


def test_an_item_marked_by_another_run_is_not_sent_again(people):
    """Two runs at once: the one that marks an item first sends it; the other sends nothing
    (the unique key refuses its whole digest) and leaves its other items for later."""
    from django.core import mail
    from django.core.mail import mailers

    from deviations.domain import notify
    from deviations.reads import notify as gather

    rita = people.rita
    first = factories.make_deviation("bash", introduced=factories.make_commit(author="Ann Author"))
    request_changes(rita, first)
    (draft,) = gather.digests(1, gather.head_seq())
    other_run = notify.start_run(1, gather.head_seq())
    with mailers.default as mailer:
        assert notify.deliver(other_run, draft, mailer) is not None
        second = factories.make_deviation("zlib", introduced=first.introduced_commit)
        request_changes(rita, second)
        late = notify.DigestDraft(
            draft.user, [*draft.items, *gather.digests(1, gather.head_seq())[0].items]
        )
        assert len(late.items) == 2
        assert notify.deliver(notify.start_run(1, gather.head_seq()), late, mailer) is None
    assert len(mail.outbox) == 1
    assert SentNotification.objects.count() == 1
    # The next run sends what is left.
    assert [i.title for i in gather.digests(1, gather.head_seq())[0].items] == [
        f"{second}: changes requested by rita"
    ]
