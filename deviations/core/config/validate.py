"""azldev's validation rules, applied to TOML as the parser (toml11.py) returns it.

Two layers, as in azldev:

- shape: every table accepts only its documented fields, each of its documented type
  (unknown fields are rejected unless parsing is permissive);
- meaning: the per-type rules (required fields of each overlay type, RE2 regexes,
  metadata categories and URLs, `skip_reason` with `skip`, source-file pairings, ...).

The field lists follow azldev's own config structs (internal/projectconfig at the
version the conformance vectors come from), which are newer than the JSON schema
shipped in the Azure Linux tree.  Every checker returns messages; the loader attaches
file, component, item and line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from ..names import NAME_RULE, is_safe_name
from ..overlays import glob as doublestar
from ..overlays.regex import RegexError, compile_overlay_regex, compile_regex
from ..types import OVERLAY_CATEGORIES, OVERLAY_TYPES, UPSTREAM_STATUSES
from .renames import TODAY, Vocabulary, renamed
from .source import validate_glob

STR, BOOL, INT = "string", "boolean", "integer"
Shape = Any  # "string" | "boolean" | "integer" | ("array", Shape) | ("map", Shape) | dict


def arr(item: Shape) -> tuple[str, Shape]:
    return ("array", item)


def mapping(value: Shape) -> tuple[str, Shape]:
    return ("map", value)


URL_REF = {"url": STR}
METADATA = {"category": STR, "upstream-status": STR, "commits": arr(URL_REF), "bugs": arr(URL_REF)}
OVERLAY = {
    "type": STR,
    "description": STR,
    "file": STR,
    "archive": STR,
    "section": STR,
    "package": STR,
    "tag": STR,
    "value": STR,
    "regex": STR,
    "replacement": STR,
    "lines": arr(STR),
    "source": STR,
    "metadata": METADATA,
}
DISTRO_REF = {"name": STR, "version": STR, "snapshot": STR}
SPEC = {
    "type": STR,
    "path": STR,
    "upstream-distro": DISTRO_REF,
    "upstream-name": STR,
    "upstream-commit": STR,
}
BUILD = {
    "with": arr(STR),
    "without": arr(STR),
    "defines": mapping(STR),
    "undefines": arr(STR),
    "emit-upstream-provenance": BOOL,
    "check": {"skip": BOOL, "skip_reason": STR},
    "failure": {"expected": BOOL, "expected-reason": STR},
    "hints": {"expensive": BOOL},
}
ORIGIN = {"type": STR, "uri": STR, "script": STR, "mock-packages": arr(STR), "inputs": arr(STR)}
SOURCE_FILE = {
    "filename": STR,
    "hash": STR,
    "hash-type": STR,
    "origin": ORIGIN,
    "replace-upstream": BOOL,
    "replace-reason": STR,
}
PACKAGE_CONFIG = {"publish": {"rpm-channel": STR, "debuginfo-channel": STR, "channel": STR}}
COMPONENT = {
    "spec": SPEC,
    "release": {"calculation": STR},
    "overlays": arr(OVERLAY),
    "overlay-files": arr(STR),
    "build": BUILD,
    "render": {"skip-file-filter": BOOL},
    "source-files": arr(SOURCE_FILE),
    "packages": mapping(PACKAGE_CONFIG),
    "publish": {"rpm-channel": STR, "srpm-channel": STR, "debuginfo-channel": STR},
}
GROUP = {
    "description": STR,
    "metadata": METADATA,
    "components": arr(STR),
    "specs": arr(STR),
    "excluded-paths": arr(STR),
    "default-component-config": COMPONENT,
}
DISTRO_INPUT = {"repo": STR, "set": STR}
DISTRO_VERSION = {
    "description": STR,
    "release-ver": STR,
    "dist-git-branch": STR,
    "default-component-config": COMPONENT,
    "mock-config": STR,
    "mock-config-x86_64": STR,
    "mock-config-aarch64": STR,
    "inputs": {"rpm-build": arr(DISTRO_INPUT), "image-build": arr(DISTRO_INPUT)},
}
DISTRO = {
    "description": STR,
    "default-version": STR,
    "dist-git-base-uri": STR,
    "lookaside-base-uri": STR,
    "repos": arr({"base-uri": STR}),
    "disable-origins": BOOL,
    "versions": mapping(DISTRO_VERSION),
}
PROJECT = {
    "description": STR,
    "log-dir": STR,
    "work-dir": STR,
    "output-dir": STR,
    "rendered-specs-dir": STR,
    "lock-dir": STR,
    "default-distro": DISTRO_REF,
    "default-author-email": STR,
}
IMAGE = {
    "description": STR,
    "definition": {"type": STR, "path": STR, "profile": STR},
    "capabilities": {
        "machine-bootable": BOOL,
        "container": BOOL,
        "systemd": BOOL,
        "runtime-package-management": BOOL,
    },
    "tests": {"test-suites": arr({"name": STR})},
    "publish": {"channels": arr(STR)},
}
TEST_SUITE = {
    "description": STR,
    "type": STR,
    "pytest": {
        "working-dir": STR,
        "test-paths": arr(STR),
        "extra-args": arr(STR),
        "install": STR,
    },
    "lisa": {
        "framework": {"git-url": STR, "ref": STR},
        "test-cases": arr(STR),
        "pip-pre-install": arr(STR),
        "pip-extras": arr(STR),
        "extra-args": arr(STR),
    },
}
REPO_COMMON = {"description": STR, "gpg-key": STR, "disable-gpg-check": BOOL, "arches": arr(STR)}
RESOURCES = {
    "rpm-repos": mapping({**REPO_COMMON, "type": STR, "base-uri": STR, "metalink": STR}),
    "rpm-repo-set-templates": mapping(
        {"description": STR, "subrepos": arr({"name": STR, "subpath": STR, "kind": STR})}
    ),
    "rpm-repo-sets": mapping(
        {
            **REPO_COMMON,
            "template": STR,
            "base-uri": STR,
            "name-prefix": STR,
            "subrepos": arr(STR),
        }
    ),
}
CONFIG_FILE = {
    "$schema": STR,
    "includes": arr(STR),
    "project": PROJECT,
    "distros": mapping(DISTRO),
    "resources": RESOURCES,
    "component-groups": mapping(GROUP),
    "components": mapping(COMPONENT),
    "images": mapping(IMAGE),
    "tools": {"imageCustomizer": {"containerTag": STR}},
    "default-component-config": COMPONENT,
    "default-package-config": PACKAGE_CONFIG,
    "package-groups": mapping(
        {"description": STR, "packages": arr(STR), "default-package-config": PACKAGE_CONFIG}
    ),
    "test-suites": mapping(TEST_SUITE),
}
OVERLAY_FILE = {"metadata": METADATA, "overlays": arr(OVERLAY)}

_PY_TYPES = {STR: str, BOOL: bool, INT: int}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _wanted(shape: Shape) -> str:
    if isinstance(shape, dict):
        return "a table"
    if isinstance(shape, tuple):
        return "an array" if shape[0] == "array" else "a table"
    return f"a {shape}"


Path = tuple[str | int, ...]
Problem = tuple[Path, str, bool]  # (where, message, is an unknown-field problem)


def shape_problems(value: Any, shape: Shape, path: Path = ()) -> Iterator[Problem]:
    """Unknown fields and wrong types below `value`; paths are relative to it."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            yield path, f"must be {_wanted(shape)}, not {_type_name(value)}", False
            return
        for key, item in value.items():
            sub = shape.get(key)
            if sub is None:
                known = ", ".join(sorted(shape))
                yield (*path, key), f"unknown field {key!r} (known fields: {known})", True
                continue
            yield from shape_problems(item, sub, (*path, key))
        return
    if isinstance(shape, tuple):
        kind, inner = shape
        if kind == "array":
            if not isinstance(value, list):
                yield path, f"must be an array, not {_type_name(value)}", False
                return
            for index, item in enumerate(value):
                yield from shape_problems(item, inner, (*path, index))
        else:
            if not isinstance(value, dict):
                yield path, f"must be a table, not {_type_name(value)}", False
                return
            for key, item in value.items():
                if item == {} and isinstance(inner, dict):
                    continue  # an empty table is always valid (bare components)
                yield from shape_problems(item, inner, (*path, key))
        return
    wanted = _PY_TYPES[shape]
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        yield path, f"must be {_wanted(shape)}, not {_type_name(value)}", False


# --- names and NUL ----------------------------------------------------------------------

# The sections whose table names are component and group names (see core/names.py).
NAMED_SECTIONS = {"components": "component", "component-groups": "component group"}


def name_problem(what: str, name: str) -> str | None:
    """None when a component's or group's name follows the name rule, else why not."""
    if is_safe_name(name):
        return None
    return f"{what} name {name!r} is not allowed: the package-name rule says {NAME_RULE}"


NUL_MESSAGE = "contains a NUL character (\\u0000), which no config string may hold"


def nul_problems(value: Any, path: Path = ()) -> Iterator[Path]:
    """Where a key or string below `value` holds a NUL character.

    Any database would have to refuse it (PostgreSQL cannot store NUL in text or JSON),
    so it is refused here, with the same message whichever database is behind.  The
    names of components and groups are left to `name_problem`, which refuses NUL too.
    """
    if isinstance(value, str):
        if "\0" in value:
            yield path
    elif isinstance(value, dict):
        named = len(path) == 1 and path[0] in NAMED_SECTIONS
        for key, item in value.items():
            if "\0" in key and not named:
                yield (*path, key)
            else:
                yield from nul_problems(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_problems(item, (*path, index))


# --- regexes ---------------------------------------------------------------------------


def re2_error(pattern: str) -> str | None:
    """None when Go's RE2 syntax (azldev's regexp) accepts `pattern`, else why not.

    The overlay engine's compiler: google-re2, refusing what Go refuses.  Never Python's
    `re`, a different language (lookaround, backreferences) that backtracks.
    """
    try:
        compile_regex(pattern)
    except RegexError as exc:
        return str(exc)
    except (TypeError, ValueError) as exc:  # e.g. a NUL the binding refuses
        return str(exc)
    return None


def regex_cost_error(pattern: str) -> str | None:
    """None when a valid `pattern` is within the engine's budget (see overlays.regex)."""
    try:
        compile_overlay_regex(pattern)
    except RegexError as exc:
        return str(exc)
    return None


# --- metadata ----------------------------------------------------------------------------


def url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return "needs a 'url'"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"URL {url!r} is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"URL {url!r} must be an absolute http(s) URL with a host"
    return None


def metadata_problems(metadata: dict[str, Any], vocabulary: Vocabulary = TODAY) -> list[str]:
    """azldev's metadata rules, in its order (README §19).

    `vocabulary` names the old category names the reading accepts (renames.py), checked
    as the names they became.
    """
    out: list[str] = []
    category = metadata.get("category", "")
    if isinstance(category, str):
        category = vocabulary.category(category)
    status = metadata.get("upstream-status", "")
    commits = metadata.get("commits") or []
    if not category:
        out.append("'metadata' requires 'category'")
    elif category not in OVERLAY_CATEGORIES:
        rename = renamed(category)
        note = (
            f"azldev renamed it {rename.new!r} on {rename.renamed.isoformat()}; " if rename else ""
        )
        out.append(
            f"unknown overlay category {category!r} ({note}known: {', '.join(OVERLAY_CATEGORIES)})"
        )
    elif category == "upstream-backport" and not commits:
        out.append("overlay category 'upstream-backport' requires at least one entry in 'commits'")
    if not status:
        out.append("'metadata' requires 'upstream-status'")
    elif status not in UPSTREAM_STATUSES:
        out.append(
            f"unknown overlay upstream-status {status!r} (known: {', '.join(UPSTREAM_STATUSES)})"
        )
    elif category == "upstream-backport" and status not in ("upstreamed", "upstreamable"):
        out.append(
            "overlay category 'upstream-backport' says the change is upstream or upstreamable;"
            f" 'upstream-status' {status!r} is contradictory"
            " (allowed: 'upstreamed' or 'upstreamable')"
        )
    for field in ("commits", "bugs"):
        for index, ref in enumerate(metadata.get(field) or [], start=1):
            problem = url_problem(ref.get("url") if isinstance(ref, dict) else None)
            if problem:
                out.append(f"metadata {field} entry {index}: {problem}")
    return out


# --- overlays ----------------------------------------------------------------------------

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst")
_ARCHIVE_TYPES = ("file-remove", "file-search-replace")
_TAG_TYPES = ("spec-add-tag", "spec-insert-tag", "spec-set-tag", "spec-update-tag")


def filename_problem(name: str) -> str | None:
    """azldev's ValidateFilename: a plain file name, nothing that walks the tree."""
    if not name:
        return "cannot be empty"
    if name in (".", ".."):
        return f"{name!r} is not a valid file name"
    if name.startswith("/"):
        return f"{name!r} cannot be an absolute path"
    if posixpath.normpath(name) != name:
        return f"{name!r} contains path traversal elements"
    if "/" in name:
        return f"{name!r} must be a simple file name without folders"
    if any(ch.isspace() for ch in name):
        return f"{name!r} must not contain whitespace"
    if "\0" in name:
        return f"{name!r} must not contain NUL bytes"
    return None


def overlay_problems(
    overlay: dict[str, Any], *, check_metadata: bool = True, vocabulary: Vocabulary = TODAY
) -> list[str]:
    """Everything wrong with one overlay (azldev's rules, README §18), all at once."""
    out: list[str] = []
    kind = overlay.get("type", "")

    def need(field: str) -> None:
        value = overlay.get(field)
        if not value:
            out.append(f"overlay type {kind!r} requires {field!r}")

    def relative(field: str = "file") -> None:
        value = overlay.get(field, "")
        if not value:
            out.append(f"overlay type {kind!r} requires {field!r}")
        elif value.startswith("/"):
            out.append(
                f"overlay type {kind!r} requires {field!r} to be a relative path; found {value!r}"
            )

    def regex() -> None:
        pattern = overlay.get("regex", "")
        if not pattern:
            out.append(f"overlay type {kind!r} requires 'regex'")
            return
        problem = re2_error(pattern)
        if problem:
            out.append(f"{problem} (regexes use Go's RE2 syntax)")
            return
        problem = regex_cost_error(pattern)
        if problem:
            out.append(problem)

    def section_with_package() -> None:
        if overlay.get("package") and not overlay.get("section"):
            out.append(f"overlay type {kind!r} requires 'section' when 'package' is set")

    if not kind:
        out.append("overlay requires 'type'")
        return out
    if kind not in OVERLAY_TYPES:
        out.append(f"unknown overlay type {kind!r} (known: {', '.join(OVERLAY_TYPES)})")
        return out

    archive = overlay.get("archive", "")
    if archive:
        if not archive.lower().endswith(ARCHIVE_SUFFIXES):
            out.append(
                f"'archive' {archive!r} is not a recognised archive name "
                f"({', '.join(ARCHIVE_SUFFIXES)})"
            )
        elif problem := filename_problem(archive):
            out.append(f"unsafe 'archive' {archive!r}: {problem}")
        if kind not in _ARCHIVE_TYPES:
            out.append(f"overlay type {kind!r} does not support 'archive' (only {_ARCHIVE_TYPES})")
        elif not overlay.get("file"):
            out.append(f"overlay type {kind!r} requires 'file' when 'archive' is set")

    if kind in _TAG_TYPES:
        need("tag")
        need("value")
    elif kind == "spec-remove-tag":
        need("tag")
    elif kind in ("spec-prepend-lines", "spec-append-lines"):
        need("lines")
        section_with_package()
    elif kind == "spec-search-replace":
        regex()
        section_with_package()
    elif kind == "spec-remove-section":
        need("section")
    elif kind == "spec-remove-subpackage":
        need("package")
        if overlay.get("section"):
            out.append("overlay type 'spec-remove-subpackage' does not accept 'section'")
    elif kind == "file-prepend-lines":
        relative()
        need("lines")
    elif kind == "file-search-replace":
        relative()
        regex()
    elif kind == "file-add":
        relative()
        need("source")
    elif kind == "file-remove":
        relative()
    elif kind == "file-rename":
        relative()
        replacement = overlay.get("replacement", "")
        if not replacement:
            out.append("overlay type 'file-rename' requires 'replacement'")
        elif posixpath.basename(replacement) != replacement:
            out.append(
                f"overlay type 'file-rename' requires 'replacement' to be a file name only "
                f"(not a path); found {replacement!r}"
            )
    elif kind == "patch-add":
        need("source")
        if overlay.get("file"):
            relative()
    elif kind == "patch-remove":
        relative()
        pattern = overlay.get("file", "")
        if pattern and (problem := validate_glob(pattern)):
            out.append(problem)

    if check_metadata and isinstance(overlay.get("metadata"), dict):
        out.extend(
            f"invalid metadata: {p}" for p in metadata_problems(overlay["metadata"], vocabulary)
        )
    return out


# --- the rest of a component ------------------------------------------------------------

HASH_TYPES = ("SHA256", "SHA512")
ORIGIN_TYPES = ("download", "custom", "overlay")
RELEASE_CALCULATIONS = ("auto", "autorelease", "static", "manual")
_HEX = frozenset("0123456789abcdefABCDEF")

Report = Callable[[Path, str], None]  # (path relative to the component table, message)


def build_problems(build: dict[str, Any], report: Report) -> None:
    check = build.get("check") or {}
    if check.get("skip") and not check.get("skip_reason"):
        report(("build", "check"), "check.skip_reason is required when check.skip is true")
    failure = build.get("failure") or {}
    if failure.get("expected") and not failure.get("expected-reason"):
        report(
            ("build", "failure"),
            "failure.expected-reason is required when failure.expected is true",
        )


def spec_problems(spec: dict[str, Any], report: Report, *, per_component: bool) -> None:
    kind = spec.get("type", "")
    path = ("spec",)
    if kind not in ("", "local", "upstream"):
        report((*path, "type"), f"spec type {kind!r} is not 'upstream' or 'local'")
    if kind == "local" and not spec.get("path"):
        report((*path, "path"), "a local spec needs 'path'")
    if spec.get("path") and kind != "local":
        report((*path, "path"), "'path' is only valid for a local spec (type = 'local')")
    for field in ("upstream-name", "upstream-commit"):
        if spec.get(field) and kind != "upstream":
            report(
                (*path, field), f"{field!r} is only valid for an upstream spec (type = 'upstream')"
            )
    commit = spec.get("upstream-commit", "")
    if commit and not (7 <= len(commit) <= 40 and set(commit) <= _HEX):
        report(
            (*path, "upstream-commit"),
            f"upstream-commit {commit!r} must be a commit hash of 7 to 40 hex digits",
        )
    distro = spec.get("upstream-distro") or {}
    if per_component and distro.get("snapshot"):
        report(
            (*path, "upstream-distro", "snapshot"),
            "a per-component 'snapshot' is not allowed; set it on the distro or group "
            "default-component-config, or pin a commit with 'upstream-commit'",
        )


def source_file_problems(entries: list[dict[str, Any]], report: Report) -> None:
    seen: set[str] = set()
    for index, ref in enumerate(entries):
        name = ref.get("filename", "")
        where = ("source-files", index)
        label = (
            f"source-files entry {index + 1} ({name!r})"
            if name
            else f"source-files entry {index + 1}"
        )
        if problem := filename_problem(name):
            report((*where, "filename"), f"{label}: invalid filename: {problem}")
        elif name in seen:
            report((*where, "filename"), f"{label}: duplicate filename; each must be unique")
        seen.add(name)
        hash_type = ref.get("hash-type", "")
        if hash_type and hash_type not in HASH_TYPES:
            report(
                (*where, "hash-type"),
                f"{label}: unsupported hash type {hash_type!r} ({HASH_TYPES})",
            )
        if ref.get("hash") and not hash_type:
            report((*where, "hash"), f"{label}: 'hash-type' must be set when 'hash' is")
        replace, reason = ref.get("replace-upstream", False), ref.get("replace-reason", "")
        if replace and not reason.strip():
            report(
                (*where, "replace-upstream"),
                f"{label}: 'replace-upstream = true' needs a 'replace-reason'",
            )
        if reason and not replace:
            report(
                (*where, "replace-reason"),
                f"{label}: 'replace-reason' is only valid with 'replace-upstream = true'",
            )
        origin = ref.get("origin") or {}
        kind = origin.get("type", "")
        if not kind:
            report((*where, "origin"), f"{label}: needs an 'origin' with a 'type'")
            continue
        if kind not in ORIGIN_TYPES:
            report(
                (*where, "origin"), f"{label}: unsupported origin type {kind!r} ({ORIGIN_TYPES})"
            )
            continue
        uri = origin.get("uri", "")
        if kind == "download":
            if not uri:
                report((*where, "origin"), f"{label}: origin 'download' requires 'uri'")
            elif not urlsplit(uri).scheme:
                report(
                    (*where, "origin"),
                    f"{label}: 'uri' {uri!r} is missing a scheme (e.g. https://)",
                )
        elif uri:
            report((*where, "origin"), f"{label}: 'uri' is only valid for origin 'download'")
        if kind == "custom":
            script = origin.get("script", "")
            if not script:
                report((*where, "origin"), f"{label}: origin 'custom' requires 'script'")
            elif problem := filename_problem(script):
                report((*where, "origin"), f"{label}: invalid 'script': {problem}")
            inputs = origin.get("inputs") or []
            for item in inputs:
                if problem := filename_problem(item):
                    report((*where, "origin"), f"{label}: invalid 'inputs' entry: {problem}")
                elif item == script:
                    report((*where, "origin"), f"{label}: 'inputs' entry {item!r} is the script")
            if len(set(inputs)) != len(inputs):
                report((*where, "origin"), f"{label}: duplicate 'inputs' entries")
        else:
            for field in ("script", "mock-packages", "inputs"):
                if origin.get(field):
                    report(
                        (*where, "origin"), f"{label}: {field!r} is only valid for origin 'custom'"
                    )
        if kind == "overlay" and not replace:
            report(
                (*where, "replace-upstream"),
                f"{label}: origin 'overlay' requires 'replace-upstream = true' "
                "(the archive is already in the upstream 'sources' file)",
            )


def channel_problems(component: dict[str, Any], report: Report) -> None:
    def check(path: Path, table: dict[str, Any]) -> None:
        for key, value in table.items():
            if value in (".", "..") or "/" in value or "\\" in value:
                report(
                    (*path, key),
                    f"publish channel {value!r} must not be '.', '..' or contain '/' or '\\'",
                )

    check(("publish",), component.get("publish") or {})
    for name, package in (component.get("packages") or {}).items():
        check(("packages", name, "publish"), (package or {}).get("publish") or {})


def component_problems(component: dict[str, Any], report: Report, *, per_component: bool) -> None:
    """The rules for one component table (or a default-component-config) except overlays."""
    build_problems(component.get("build") or {}, report)
    spec_problems(component.get("spec") or {}, report, per_component=per_component)
    source_file_problems(component.get("source-files") or [], report)
    calculation = (component.get("release") or {}).get("calculation", "")
    if calculation and calculation not in RELEASE_CALCULATIONS:
        report(
            ("release", "calculation"),
            f"release calculation {calculation!r} is not one of {', '.join(RELEASE_CALCULATIONS)}",
        )
    for index, pattern in enumerate(component.get("overlay-files") or []):
        if not pattern:
            report(("overlay-files", index), "'overlay-files' entries cannot be empty")
    channel_problems(component, report)


def archive_consistency_problems(
    overlays: list[dict[str, Any]],
    source_files: list[dict[str, Any]],
    *,
    allow_no_hashes: bool = False,
) -> list[str]:
    """The check azldev runs when sources are prepared (phase "prepare-sources").

    Every archive an archive-scoped overlay modifies needs one `source-files` entry with
    `origin.type = "overlay"` (unless bootstrapping with --allow-no-hashes); every such
    entry needs an archive overlay; and no loose-file overlay may touch an archive that
    is repacked.
    """
    out: list[str] = []
    modified = {
        o["archive"]
        for o in overlays
        if o.get("type") in _ARCHIVE_TYPES and o.get("archive") and o.get("file")
    }
    origins = set()
    for ref in source_files:
        if (ref.get("origin") or {}).get("type") != "overlay":
            continue
        name = ref.get("filename", "")
        if name not in modified:
            out.append(
                f"'source-files' entry for {name!r} has 'origin.type = overlay', but no "
                "archive-scoped overlay modifies that archive"
            )
        origins.add(name)
    for archive in sorted(modified):
        if not allow_no_hashes and archive not in origins:
            out.append(
                f"archive overlay for {archive!r} requires a matching 'source-files' entry "
                "with 'origin.type = overlay'"
            )
        for overlay in overlays:
            if _targets_loose_file(overlay, archive):
                out.append(
                    f"loose-file {overlay.get('type')!r} overlay targets archive {archive!r}, "
                    "which an archive-scoped overlay also modifies"
                )
    return out


_LOOSE_TYPES = (
    "file-prepend-lines",
    "file-search-replace",
    "file-add",
    "file-remove",
    "file-rename",
    "patch-add",
    "patch-remove",
)


def _targets_loose_file(overlay: dict[str, Any], filename: str) -> bool:
    kind = overlay.get("type")
    if kind not in _LOOSE_TYPES:
        return False
    if kind in _ARCHIVE_TYPES and overlay.get("archive") and overlay.get("file"):
        return False  # archive-scoped, not loose
    if kind in ("file-add", "patch-add"):
        source = overlay.get("source", "")
        name = overlay.get("file") or posixpath.basename(source)
        return bool(source) and name == filename
    if kind == "file-rename" and overlay.get("replacement") == filename:
        return True
    pattern = overlay.get("file", "")
    try:
        return bool(pattern) and doublestar.match(pattern, filename)
    except ValueError:
        return False
