"""The actions of the audit trail: every kind of change an event records.

Every writer names its event by a member (`audit.record(actor, AuditAction.NOTE_ADDED,
...)`), so the trail has no action this list does not describe; the README's table of
actions is checked against it (tests/audit/test_actions.py).  Values are part of each
event's hash: never change one, add a member instead.
"""

from __future__ import annotations

from typing import Self

from .base import Vocabulary
from .reviews import Decision


class AuditAction(Vocabulary):
    # The config import (actor "import #N").
    CONFIG_SOURCE_MOVED = (
        "config.source-moved",
        "config source moved",
        "The config was imported from another place than the last import read it from.",
    )
    COMPONENT_CREATED = (
        "component.created",
        "component created",
        "An import found a component new to the config.",
    )
    COMPONENT_CHANGED = (
        "component.changed",
        "component changed",
        "An import found a component's effective upstream, pin, local spec or groups changed.",
    )
    COMPONENT_REMOVED = (
        "component.removed",
        "component removed",
        "A component left the config; it is kept, marked removed.",
    )
    COMPONENT_RESTORED = (
        "component.restored",
        "component restored",
        "A removed component came back to the config, with its history.",
    )
    DEVIATION_CREATED = (
        "deviation.created",
        "deviation created",
        "An import found a deviation new to its component.",
    )
    DEVIATION_CHANGED = (
        "deviation.changed",
        "deviation changed",
        "An import found a deviation's content or justification changed: a new version.",
    )
    DEVIATION_REMOVED = (
        "deviation.removed",
        "deviation removed",
        "A deviation left the config; it is kept, marked removed.",
    )
    DEVIATION_RESTORED = (
        "deviation.restored",
        "deviation restored",
        "A removed deviation came back to the config, with its history.",
    )
    DEVIATION_PROVENANCE = (
        "deviation.provenance",
        "deviation provenance",
        "The config commits that introduced or last changed a deviation were found anew.",
    )
    # The upstream sync (actor "sync #N").
    SYNC_COMPONENT_CHANGED = (
        "sync.component.changed",
        "sync: component changed",
        "A sync found a component's pin, tip, versions, drift or rendering changed.",
    )
    SYNC_COMPONENT_ERROR = (
        "sync.component.error",
        "sync: component error",
        "A sync could not sync a component; its last good state stays.",
    )
    SYNC_DEVIATION_CHANGED = (
        "sync.deviation.changed",
        "sync: deviation changed",
        "A sync found a deviation's verdicts, effect or obsolete flag changed.",
    )
    # The upstream check (actor "upstream-check #N") and its suggestions.
    UPSTREAM_LINK_CHANGED = (
        "upstream.link.changed",
        "upstream: link changed",
        "An upstream check found a linked bug, request or commit in another state.",
    )
    UPSTREAM_RELEASE_CHANGED = (
        "upstream.release.changed",
        "upstream: release changed",
        "An upstream check found a component's upstream project or latest release changed.",
    )
    UPSTREAM_SUGGESTION_CREATED = (
        "upstream.suggestion.created",
        "upstream: suggestion created",
        "An upstream state suggests a change to a deviation, for a reviewer to decide.",
    )
    UPSTREAM_SUGGESTION_SUPERSEDED = (
        "upstream.suggestion.superseded",
        "upstream: suggestion superseded",
        "The upstream state behind an open suggestion changed: a newer one replaces it.",
    )
    UPSTREAM_SUGGESTION_ACCEPTED = (
        "upstream.suggestion.accepted",
        "upstream: suggestion accepted",
        "A reviewer accepted an upstream suggestion.",
    )
    UPSTREAM_SUGGESTION_DISMISSED = (
        "upstream.suggestion.dismissed",
        "upstream: suggestion dismissed",
        "A reviewer dismissed an upstream suggestion, saying why.",
    )
    # Reviews and notes.
    REVIEW_APPROVED = (
        "review.approved",
        "review: approved",
        "A reviewer approved a deviation's content and effect (after: despite_failure when it "
        "fails at the pin, with the comment saying why).",
    )
    REVIEW_CHANGES_REQUESTED = (
        "review.changes-requested",
        "review: changes requested",
        "A reviewer asked for a deviation to be changed.",
    )
    REVIEW_REJECTED = (
        "review.rejected",
        "review: rejected",
        "A reviewer rejected a deviation.",
    )
    REVIEW_LAPSED = (
        "review.lapsed",
        "review lapsed",
        "A decision went stale because the deviation's content or effect changed after it.",
    )
    NOTE_ADDED = "note.added", "note added", "Someone added a justification note to a deviation."
    NOTE_REVISED = (
        "note.revised",
        "note revised",
        "Someone added a new version of a justification note.",
    )
    # Owners, due dates and acknowledgements.
    OWNER_SET = (
        "owner.set",
        "owner set",
        "A reviewer or admin set or cleared the owner of a deviation or component.",
    )
    DUE_DATE_SET = (
        "due_date.set",
        "due date set",
        "A reviewer or admin set or cleared the due date of a deviation or component.",
    )
    OWNERSHIP_PROPOSED = (
        "ownership.proposed",
        "owner or due date proposed by the config",
        "An import read an owner or due date from the config and took it where the app set none.",
    )
    ACKNOWLEDGED = (
        "acknowledgement.created",
        "acknowledged",
        "A reviewer or admin acknowledged drift, a failure, a no-op, an obsolete flag or a "
        "suggestion, with a reason and an expiry date.",
    )
    ACKNOWLEDGEMENT_WITHDRAWN = (
        "acknowledgement.withdrawn",
        "acknowledgement withdrawn",
        "A reviewer or admin withdrew an acknowledgement before it expired.",
    )
    ACKNOWLEDGEMENT_EXPIRED = (
        "acknowledgement.expired",
        "acknowledgement expired",
        "An acknowledgement reached its expiry date: the item needs attention again.",
    )
    ACKNOWLEDGEMENT_LAPSED = (
        "acknowledgement.lapsed",
        "acknowledgement lapsed",
        "What an acknowledgement was about changed (a new tip, upstream version or verdict).",
    )
    # CSV exports (one per dataset).
    EXPORT_DEVIATIONS = (
        "export.deviations",
        "export: deviations",
        "Someone exported the deviations as CSV.",
    )
    EXPORT_QUEUE = (
        "export.queue",
        "export: review queue",
        "Someone exported the review queue as CSV.",
    )
    EXPORT_COMPONENTS = (
        "export.components",
        "export: components",
        "Someone exported the components with their drift as CSV.",
    )
    EXPORT_AUDIT = "export.audit", "export: audit log", "Someone exported the audit log as CSV."
    EXPORT_REVIEWS = (
        "export.reviews",
        "export: review history",
        "Someone exported the review history as CSV.",
    )
    EXPORT_CHANGES = (
        "export.changes",
        "export: changes between two points",
        "Someone exported what changed in the config between two points of its history as CSV.",
    )
    EXPORT_ACKNOWLEDGEMENTS = (
        "export.acknowledgements",
        "export: acknowledgements",
        "Someone exported the acknowledgements as CSV.",
    )
    # People, roles and permissions.
    USER_CREATED = "user.created", "user created", "An account was created, with its roles."
    USER_CHANGED = (
        "user.changed",
        "user changed",
        "An account's fields, roles, groups or permissions changed (never the password).",
    )
    USER_PASSWORD_CHANGED = (
        "user.password_changed",
        "user password changed",
        "An account's password was set or changed (never the hash).",
    )
    USER_CHANGE_REFUSED = (
        "user.change_refused",
        "user change refused",
        "Someone tried to change an account the rules keep from them (their own roles, flags "
        "or identities; an admin's account without being a superuser): nothing changed.",
    )
    ROLE_CREATED = (
        "role.created",
        "role created",
        "A role's group (viewer, reviewer, admin) was created where it was missing.",
    )
    GROUP_CREATED = (
        "group.created",
        "group created",
        "An admin created a group in the Django admin.",
    )
    GROUP_CHANGED = (
        "group.changed",
        "group changed",
        "An admin changed a group's name, permissions or members in the Django admin.",
    )
    GROUP_DELETED = (
        "group.deleted",
        "group deleted",
        "An admin deleted a group in the Django admin.",
    )
    IDENTITY_LINKED = (
        "identity.linked",
        "git identity linked",
        "An admin linked a git author identity to an account (four eyes uses it).",
    )
    IDENTITY_CHANGED = (
        "identity.changed",
        "git identity changed",
        "An admin changed a linked git identity in the Django admin.",
    )
    IDENTITY_UNLINKED = (
        "identity.unlinked",
        "git identity unlinked",
        "An admin unlinked a git identity from an account.",
    )
    API_TOKEN_ISSUED = (
        "api_token.issued",
        "API token issued",
        "An account that had no API token got one (never the key).",
    )
    API_TOKEN_ROTATED = (
        "api_token.rotated",
        "API token rotated",
        "An account's API token was replaced by a new one (never the key).",
    )
    API_TOKEN_REVOKED = (
        "api_token.revoked",
        "API token revoked",
        "An account's API token was deleted: it no longer authenticates.",
    )
    FEED_TOKEN_ISSUED = (
        "feed_token.issued",
        "feed token issued",
        "An account that had no feed token got one, for its Atom feeds only (never the key).",
    )
    FEED_TOKEN_ROTATED = (
        "feed_token.rotated",
        "feed token rotated",
        "An account's feed token was replaced: feed URLs with the old key stop working.",
    )
    FEED_TOKEN_REVOKED = (
        "feed_token.revoked",
        "feed token revoked",
        "An account's feed token was deleted: its feed URLs no longer open.",
    )
    # Watching and notifications.
    WATCH_ADDED = (
        "watch.added",
        "watch added",
        "Someone started watching a component or a saved filter of the deviation list.",
    )
    WATCH_REMOVED = (
        "watch.removed",
        "watch removed",
        "Someone stopped watching a component or a saved filter.",
    )
    DIGEST_SENT = (
        "notify.digest_sent",
        "notification digest sent",
        "A user was e-mailed a digest of what changed for them (manage.py notify; each item once).",
    )
    # Logins (django-axes counts the failures; these are the moments that matter).
    LOGIN_LOCKED_OUT = (
        "login.locked_out",
        "login locked out",
        "Too many wrong passwords for a username or from an address: it is locked for a while.",
    )
    LOGIN_UNLOCKED = (
        "login.unlocked",
        "login unlocked",
        "An operator lifted a login lockout before it ended (manage.py unlock_logins).",
    )

    @classmethod
    def for_decision(cls, decision: Decision | str) -> Self:
        """The action of a review decision (`review.approved`, ...)."""
        return cls(f"review.{Decision(decision).value}")

    @classmethod
    def for_export(cls, dataset: str) -> Self:
        """The action of a CSV export of `dataset` (`export.deviations`, ...)."""
        return cls(f"export.{dataset}")
