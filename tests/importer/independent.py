"""An independent reading of the real Azure Linux tree, written for the tests.

A plain tomli (TOML 1.1) walk over `base/comps` and the distro files, restricted to what that
tree uses (components, the check-skip group, the distro default), kept separate from
the loader under test so the import's totals and changes are checked against a second
opinion.  It refuses trees that use more than it models.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import tomli

KEYS = ("kind", "content", "description", "metadata", "reason")


def _clean(value):
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ("", None, False, [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def signature(item: dict) -> str:
    """What identifies a deviation's content and justification (an event's before/after)."""
    return json.dumps({k: item.get(k) for k in KEYS}, sort_keys=True)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_tree(root: Path) -> dict[str, list[dict]]:
    """Each component's deviations as {kind, content, description, metadata, reason}."""
    distro = tomli.loads((root / "distro" / "azurelinux.distro.toml").read_text())
    target = distro["distros"]["azurelinux"]
    default = target["versions"][target["default-version"]]["default-component-config"]["spec"]
    default_ref = default["upstream-distro"]
    branches = {
        name: version.get("dist-git-branch", "")
        for name, version in tomli.loads((root / "distro" / "fedora.distro.toml").read_text())[
            "distros"
        ]["fedora"]["versions"].items()
    }
    components: dict[str, tuple[Path, dict]] = {}
    group_skip: dict[str, dict] = {}
    for path in sorted((root / "base" / "comps").rglob("*.toml")):
        data = tomli.loads(path.read_text())
        for name, table in data.get("components", {}).items():
            components[name] = (path, table)
        for group in data.get("component-groups", {}).values():
            config = group.get("default-component-config", {})
            assert set(config) <= {"build"} and set(config.get("build", {})) <= {"check"}
            check = config.get("build", {}).get("check", {})
            if check.get("skip"):
                for member in group.get("components", []):
                    group_skip[member] = {
                        "reason": check.get("skip_reason", ""),
                        "description": group.get("description", ""),
                        "metadata": _clean(group.get("metadata", {})),
                    }
    out: dict[str, list[dict]] = {}
    for name, (path, comp) in components.items():
        found: list[dict] = []

        def add(kind, content, description="", metadata=None, reason="", found=found):
            found.append(
                {
                    "kind": kind,
                    "content": content,
                    "description": description,
                    "metadata": metadata or {},
                    "reason": reason,
                }
            )

        spec = comp.get("spec", {})
        if spec.get("type") == "local":
            content = {"spec": {"type": "local", "path": spec["path"]}}
            content["sha256"] = _sha(path.parent / spec["path"])
            add("local-spec", content)
        else:
            ref = {**default_ref, **spec.get("upstream-distro", {})}
            if (ref["name"], ref["version"], ref.get("snapshot")) != (
                default_ref["name"],
                default_ref["version"],
                default_ref.get("snapshot"),
            ):
                add(
                    "upstream-version",
                    _clean(
                        {
                            "upstream-distro": {
                                "name": ref["name"],
                                "version": ref["version"],
                                "snapshot": ref.get("snapshot", ""),
                            },
                            "dist-git-branch": branches[ref["version"]],
                        }
                    ),
                )
            if spec.get("upstream-name", name) != name:
                add("upstream-rename", {"upstream-name": spec["upstream-name"]})
            if spec.get("upstream-commit"):
                add("upstream-pin", {"upstream-commit": spec["upstream-commit"]})
        for entry in comp.get("source-files", []):
            content = _clean({k: v for k, v in entry.items() if k != "replace-reason"})
            add("source-file", content, reason=entry.get("replace-reason", ""))
        calculation = comp.get("release", {}).get("calculation", "auto")
        if calculation != "auto":
            add("release-calculation", {"calculation": calculation})
        if comp.get("render", {}).get("skip-file-filter"):
            add("render-option", {"skip-file-filter": True})
        build = comp.get("build", {})
        for field in ("with", "without", "undefines"):
            for value in build.get(field, []):
                add("build-option", {field: value})
        for key, value in build.get("defines", {}).items():
            add("build-option", {"defines": {key: value}})
        check = build.get("check", {})
        if check.get("skip"):
            add("check-skip", {"check": {"skip": True}}, reason=check.get("skip_reason", ""))
        elif name in group_skip:
            add("check-skip", {"check": {"skip": True}}, **group_skip[name])
        if build.get("failure", {}).get("expected"):
            reason = build["failure"].get("expected-reason", "")
            add("expected-failure", {"failure": {"expected": True}}, reason=reason)
        for overlay in comp.get("overlays", []):
            content = _clean(
                {k: v for k, v in overlay.items() if k not in ("description", "metadata")}
            )
            if overlay.get("source"):
                content["sha256"] = _sha(path.parent / overlay["source"])
            add(
                "overlay",
                content,
                overlay.get("description", ""),
                _clean(overlay.get("metadata", {})),
            )
        assert not comp.get("overlay-files"), "overlay files are not modelled here"
        out[name] = found
    return out


def totals(tree: dict[str, list[dict]]) -> tuple[Counter, Counter]:
    kinds: Counter = Counter(d["kind"] for devs in tree.values() for d in devs)
    types: Counter = Counter(
        d["content"]["type"] for devs in tree.values() for d in devs if d["kind"] == "overlay"
    )
    return kinds, types
