"""Users, roles and git identities: every change here is an audit event.

The Django admin (deviations/web/admin.py), the identities page and the `users` /
`setup_roles` commands all go through these functions, so a change of group
membership, staff flag, password or git identity is on the trail whoever
makes it.  When the actor is a user, the permission check happens here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from deviations.domain import audit, permissions
from deviations.models import GitIdentity
from deviations.vocabulary import AuditAction

USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff")


REFUSED = AuditAction.USER_CHANGE_REFUSED


def record_refusal(
    actor: audit.Actor,
    target: User | None,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    reason: str,
) -> None:
    """A refused account change on the trail: who tried what on whom, and why not.

    Written in a transaction of its own, so it stays when the caller then raises.
    Call it outside the caller's transaction (or where that one commits anyway).
    """
    attempted = {key: after[key] for key in after if (before or {}).get(key) != after.get(key)}
    described: audit.Described = (
        audit.describe(target)
        if target is not None
        else {"object_type": "user", "object_id": "", "object_repr": str(after.get("username"))}
    )
    with transaction.atomic():
        audit.record(
            actor,
            REFUSED,
            **described,
            before={key: (before or {}).get(key) for key in attempted},
            after={"attempted": attempted, "reason": reason},
        )


def guard(
    actor: audit.Actor, target: User | None, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """Refuse (PermissionDenied) and record a change `permissions.account_change_refusal`
    refuses; call before the change's own transaction."""
    reason = permissions.account_change_refusal(actor.user, target, before, after)
    if reason is not None:
        record_refusal(actor, target, before, after, reason)
        raise PermissionDenied(reason)


def _with_identities(before: dict[str, Any], identities: Iterable[str], how: str) -> dict[str, Any]:
    # `identity` says what happens even when the list reads the same afterwards.
    return {**before, "git_identities": sorted(identities), "identity": how}


def identity_change(user: User, how: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) snapshots of linking, changing or unlinking one of `user`'s git
    identities (`how` says which), for `guard` and the admin's forms."""
    before = snapshot(user)
    return before, {**before, "identity": how}


def account_change(user: User, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) snapshots of changing `user`'s account fields (snapshot keys)."""
    before = snapshot(user)
    return before, {**before, **changes}


def snapshot(user: User) -> dict[str, Any]:
    """What the trail records of a user (never the password hash)."""
    data: dict[str, Any] = {name: getattr(user, name) for name in USER_FIELDS}
    data["is_superuser"] = user.is_superuser
    data["has_usable_password"] = user.has_usable_password()
    if user.pk is not None:
        data["groups"] = sorted(user.groups.values_list("name", flat=True))
        data["permissions"] = sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        data["git_identities"] = sorted(
            str(identity) for identity in GitIdentity.objects.filter(user=user)
        )
    return data


def _changes(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_user_change(actor: audit.Actor, before: dict[str, Any] | None, user: User) -> bool:
    """Record what changed on `user` since `before` (a `snapshot`); None means created."""
    after = snapshot(user)
    if before is None:
        audit.record(actor, AuditAction.USER_CREATED, **audit.describe(user), after=after)
        return True
    old, new = _changes(before, after)
    if not new:
        return False
    audit.record(actor, AuditAction.USER_CHANGED, **audit.describe(user), before=old, after=new)
    return True


def record_password_change(actor: audit.Actor, user: User) -> None:
    audit.record(
        actor,
        AuditAction.USER_PASSWORD_CHANGED,
        **audit.describe(user),
        after={"has_usable_password": user.has_usable_password()},
    )


# --- roles -------------------------------------------------------------------------


def _check_roles(roles: Iterable[str]) -> set[str]:
    wanted = set(roles)
    unknown = wanted - set(permissions.ROLES)
    if unknown:
        raise ValidationError(
            f"unknown role(s) {', '.join(sorted(unknown))}; "
            f"roles are {', '.join(permissions.ROLES)}"
        )
    return wanted


def ensure_roles(actor: audit.Actor) -> list[str]:
    """Create the role groups that are missing (idempotent); returns the names created."""
    created = []
    with transaction.atomic():
        for name in permissions.ROLES:
            group, made = Group.objects.get_or_create(name=name)
            if made:
                created.append(name)
                audit.record(
                    actor,
                    AuditAction.ROLE_CREATED,
                    **audit.describe(group),
                    after={"name": name, "grants": permissions.ROLE_DESCRIPTIONS[name]},
                )
    return created


def set_roles(actor: audit.Actor, user: User, roles: Iterable[str]) -> bool:
    """Give `user` exactly these roles (other groups untouched); True if anything changed."""
    wanted = _check_roles(roles)
    current = snapshot(user)
    others = [name for name in current["groups"] if name not in permissions.ROLES]
    guard(actor, user, current, {**current, "groups": sorted({*others, *wanted})})
    with transaction.atomic():
        ensure_roles(actor)
        before = snapshot(user)
        groups = {g.name: g for g in Group.objects.filter(name__in=permissions.ROLES)}
        held = set(user.groups.filter(name__in=permissions.ROLES).values_list("name", flat=True))
        user.groups.remove(*(groups[name] for name in held - wanted))
        user.groups.add(*(groups[name] for name in wanted - held))
        permissions.forget(user)
        return record_user_change(actor, before, user)


def create_user(
    actor: audit.Actor,
    username: str,
    *,
    password: str | None = None,
    email: str = "",
    roles: Iterable[str] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user with roles, in one transaction with one event."""
    wanted = _check_roles(roles)
    proposed = {
        "username": username,
        "email": email,
        "is_staff": is_staff,
        "is_superuser": is_superuser,
        "groups": sorted(wanted),
    }
    guard(actor, None, None, proposed)
    user_model = get_user_model()
    with transaction.atomic():
        ensure_roles(actor)
        user = user_model(username=username, email=email, is_staff=is_staff)
        user.is_superuser = is_superuser
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.set(Group.objects.filter(name__in=wanted))
        permissions.forget(user)
        record_user_change(actor, None, user)
    return user


def update_user(actor: audit.Actor, user: User, **fields: Any) -> bool:
    """Change account fields (is_active, is_staff, email, ...) with one event."""
    allowed = {*USER_FIELDS, "is_superuser"}
    if set(fields) - allowed:
        raise ValidationError(f"cannot change {', '.join(sorted(set(fields) - allowed))}")
    current = snapshot(user)
    guard(actor, user, current, {**current, **fields})
    with transaction.atomic():
        before = snapshot(user)
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()
        permissions.forget(user)
        return record_user_change(actor, before, user)


# --- git identities ----------------------------------------------------------------


def clean_identity(email: str, name: str) -> tuple[str, str]:
    """Normalised (email, name); a clear error when unusable."""
    email, name = (email or "").strip().lower(), " ".join((name or "").split())
    if not email and not name:
        raise ValidationError("Give the e-mail or the name the person commits under.")
    if email and ("@" not in email or any(c.isspace() for c in email) or len(email) > 255):
        raise ValidationError(f"{email!r} is not an e-mail address as git records one.")
    if len(name) > 255:
        raise ValidationError("The name is longer than 255 characters.")
    return email, name


def link_identity(
    actor: audit.Actor, user: User, *, email: str = "", name: str = ""
) -> GitIdentity:
    """Link a git author identity to `user` (admins only: it decides four-eyes refusals)."""
    email, name = clean_identity(email, name)
    current = snapshot(user)
    new = str(GitIdentity(user=user, email=email, name=name))
    after = _with_identities(current, [*current["git_identities"], new], f"link {new}")
    guard(actor, user, current, after)
    with transaction.atomic():
        if email:
            taken = GitIdentity.objects.filter(email=email).select_related("user").first()
            if taken is not None:
                raise ValidationError(
                    f"{email} is already linked to {taken.user.get_username()}; "
                    "unlink it there first."
                )
        elif GitIdentity.objects.filter(user=user, email="", name__iexact=name).exists():
            raise ValidationError(f"{name} is already linked to {user.get_username()}.")
        identity = GitIdentity.objects.create(user=user, email=email, name=name)
        permissions.forget(user)
        audit.record(
            actor,
            AuditAction.IDENTITY_LINKED,
            **audit.describe(identity),
            after={"user": user.get_username(), "email": email, "name": name},
        )
    return identity


def unlink_identity(actor: audit.Actor, identity: GitIdentity) -> None:
    current = snapshot(identity.user)
    left = list(current["git_identities"])
    if str(identity) in left:
        left.remove(str(identity))
    guard(actor, identity.user, current, _with_identities(current, left, f"unlink {identity}"))
    with transaction.atomic():
        user = identity.user
        audit.record(
            actor,
            AuditAction.IDENTITY_UNLINKED,
            **audit.describe(identity),
            before={"user": user.get_username(), "email": identity.email, "name": identity.name},
        )
        identity.delete()
        permissions.forget(user)
