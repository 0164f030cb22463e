"""What the sync does for each component, gathered from the database in a few queries.

A `ComponentJob` is plain data (no model instances), so the per-component work can run
in threads without touching the database, and the same job can be planned by any
worker process from nothing but component ids.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace

from deviations.core.config.resolve import to_overlay
from deviations.core.distgit import DistGitError, check_package_name, check_url
from deviations.core.distgit.remotes import expand_base_uri
from deviations.core.types import Overlay
from deviations.models import Component, ComponentSync, Deviation, DeviationVersion
from deviations.vocabulary import DeviationKind, DistGitIssue, SpecType

CHUNK = 2000  # ids per IN (...) query
ARCHIVE_TYPES = ("file-remove", "file-search-replace")  # with `archive` and `file`: azldev's


@dataclass(frozen=True)
class OverlayInput:
    """An overlay deviation at its current version, ready for the engine."""

    deviation_id: int
    version_id: int
    key: str
    overlay: Overlay
    fingerprint: str  # content fingerprint of the version (includes its source's sha256)
    config_file: str  # root-relative TOML file that declares it
    source_path: str  # root-relative path of `source` ("" when none)
    source_sha256: str  # as recorded by the import

    @property
    def category(self) -> str:
        return self.overlay.metadata.category if self.overlay.metadata else ""

    @property
    def commit_links(self) -> tuple[str, ...]:
        if not self.overlay.metadata:
            return ()
        return tuple(ref.url for ref in self.overlay.metadata.commits)


@dataclass(frozen=True)
class LocalSpecInput:
    deviation_id: int
    version_id: int
    path: str  # root-relative
    sha256: str


@dataclass(frozen=True)
class PostOverlayHash:
    """A `source-files` entry with `origin = { type = "overlay" }`: the repacked archive's hash."""

    deviation_id: int
    version_id: int
    fingerprint: str
    filename: str
    hash_type: str  # "SHA512", "SHA256"
    hash: str  # as written ("" while bootstrapping)


@dataclass(frozen=True)
class Previous:
    fingerprint: str
    pinned_commit: str
    tip_commit: str
    error_kind: str = ""
    error: str = ""
    failing_at_pin: int = 0


@dataclass(frozen=True)
class ComponentJob:
    component_id: int
    name: str
    package: str  # upstream name: $pkg and the spec file name
    url: str  # "" for local specs, or when it could not be made (see url_error)
    branch: str
    snapshot: int | None  # seconds since the epoch
    upstream_commit: str
    overlays: tuple[OverlayInput, ...] = ()
    local_spec: LocalSpecInput | None = None
    previous: Previous | None = None
    url_error: DistGitError | None = field(default=None, compare=False)
    lookaside_uri: str = ""  # the lookaside-base-uri template (the run's override, or the distro's)
    post_overlay: tuple[PostOverlayHash, ...] = ()

    @property
    def is_local(self) -> bool:
        return self.local_spec is not None

    @property
    def archives(self) -> tuple[str, ...]:
        """The archives that archive-scoped overlays edit (normalised), in order of first use.

        Only these are ever fetched from the lookaside cache: a component without
        archive overlays downloads nothing.
        """
        found: list[str] = []
        for item in self.overlays:
            o = item.overlay
            if o.type in ARCHIVE_TYPES and o.archive and o.file:
                name = posixpath.normpath(o.archive)
                if name not in found:
                    found.append(name)
        return tuple(found)


def _source_path(config_file: str, source: str) -> str:
    if not source:
        return ""
    return posixpath.normpath(posixpath.join(posixpath.dirname(config_file), source))


def _current(dev: Deviation) -> DeviationVersion:
    """The deviation's current version (the queries below select only those with one)."""
    if dev.current_version is None:
        raise ValueError(f"deviation {dev.pk} has no current version")
    return dev.current_version


def _overlay_input(dev: Deviation) -> OverlayInput:
    version = _current(dev)
    content = dict(version.content)
    raw = {**content, "description": version.description, "metadata": version.metadata or None}
    base_dir = posixpath.dirname(version.config_file)
    return OverlayInput(
        deviation_id=dev.pk,
        version_id=version.pk,
        key=dev.key,
        overlay=to_overlay(raw, base_dir),
        fingerprint=version.fingerprint,
        config_file=version.config_file,
        source_path=_source_path(version.config_file, content.get("source", "")),
        source_sha256=content.get("sha256", ""),
    )


def _url(component: Component, base_uri: str | None) -> tuple[str, DistGitError | None]:
    package = component.upstream_name or component.name
    try:
        if base_uri:
            return expand_base_uri(base_uri, package), None
        check_package_name(package)
        if not component.dist_git_url:
            raise DistGitError(DistGitIssue.UNSAFE_URL, "the component has no dist-git URL")
        return check_url(component.dist_git_url), None
    except DistGitError as exc:
        return "", exc


def _post_overlay(dev: Deviation) -> PostOverlayHash | None:
    version = _current(dev)
    content = version.content or {}
    if (content.get("origin") or {}).get("type") != "overlay":
        return None
    return PostOverlayHash(
        dev.pk,
        version.pk,
        version.fingerprint,
        posixpath.normpath(content.get("filename", "") or "."),
        str(content.get("hash-type", "") or "").upper(),
        str(content.get("hash", "") or "").lower(),
    )


def plan(
    component_ids: list[int], base_uri: str | None = None, lookaside_uri: str | None = None
) -> list[ComponentJob]:
    """Jobs for the given components, in name order.

    `lookaside_uri` replaces every component's lookaside-base-uri (a run's override).
    """
    components: list[Component] = []
    previous: dict[int, Previous] = {}
    overlays: dict[int, list[OverlayInput]] = {}
    local: dict[int, LocalSpecInput] = {}
    post_overlay: dict[int, list[PostOverlayHash]] = {}
    for start in range(0, len(component_ids), CHUNK):
        ids = component_ids[start : start + CHUNK]
        components += list(Component.objects.filter(pk__in=ids, removed=False))
        for row in ComponentSync.objects.filter(component_id__in=ids).values_list(
            "component_id",
            "input_fingerprint",
            "pinned_commit",
            "tip_commit",
            "error_kind",
            "error",
            "failing_at_pin",
        ):
            previous[row[0]] = Previous(*row[1:])
        deviations = (
            Deviation.objects.filter(
                component_id__in=ids,
                removed=False,
                kind__in=(
                    DeviationKind.OVERLAY,
                    DeviationKind.LOCAL_SPEC,
                    DeviationKind.SOURCE_FILE,
                ),
                current_version__isnull=False,
            )
            .select_related("current_version")
            .order_by("component_id", "position", "pk")
        )
        for dev in deviations:
            if dev.kind == DeviationKind.OVERLAY:
                overlays.setdefault(dev.component_id, []).append(_overlay_input(dev))
            elif dev.kind == DeviationKind.SOURCE_FILE:
                if (found := _post_overlay(dev)) is not None:
                    post_overlay.setdefault(dev.component_id, []).append(found)
            else:
                version = _current(dev)
                local[dev.component_id] = LocalSpecInput(
                    dev.pk, version.pk, "", version.content.get("sha256", "")
                )
    jobs = []
    for component in sorted(components, key=lambda c: c.name):
        snapshot = int(component.snapshot_at.timestamp()) if component.snapshot_at else None
        job = ComponentJob(
            component_id=component.pk,
            name=component.name,
            package=component.upstream_name or component.name,
            url="",
            branch=component.dist_git_branch,
            snapshot=snapshot,
            upstream_commit=component.upstream_commit,
            overlays=tuple(overlays.get(component.pk, ())),
            previous=previous.get(component.pk),
            lookaside_uri=lookaside_uri or component.lookaside_base_uri,
            post_overlay=tuple(post_overlay.get(component.pk, ())),
        )
        if component.spec_type == SpecType.LOCAL:
            recorded = local.get(component.pk)
            spec = LocalSpecInput(
                recorded.deviation_id if recorded else 0,
                recorded.version_id if recorded else 0,
                component.local_spec_path,
                recorded.sha256 if recorded else "",
            )
            jobs.append(replace(job, local_spec=spec))
            continue
        url, error = _url(component, base_uri)
        jobs.append(replace(job, url=url, url_error=error))
    return jobs


def component_ids(names: list[str] | None = None) -> tuple[list[int], list[str]]:
    """Ids of the components to sync (all current ones, or the named), and unknown names."""
    query = Component.objects.filter(removed=False)
    if names:
        found = dict(query.filter(name__in=names).values_list("name", "pk"))
        return [found[n] for n in sorted(found)], sorted(set(names) - set(found))
    return list(query.order_by("name").values_list("pk", flat=True)), []
