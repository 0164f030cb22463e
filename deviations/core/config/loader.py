"""Loading azldev's config files: includes, parsing, per-file validation, merging.

`load_files(source)` starts at `azldev.toml` and follows `includes` depth first: a file
is read, then each of its include patterns in order, each match (sorted by path) with
all of its own includes before the next.  Patterns are relative to the including
file; literal paths must exist, globs may match nothing.  A file included twice -- a
loop, or two paths to the same file -- is refused, as azldev does, and so is any path
that leaves the config tree.  Files are merged in load order:

- components, component groups, images, package groups and test suites are unique
  across files (a duplicate names both files);
- distros merge field by field (later non-empty values win, `repos` is replaced, a
  version is replaced as a whole);
- project, tools and the default package config merge field by field;
- the project's `default-component-config` is kept per file, as inheritance layers.

Every problem found is collected; nothing stops at the first.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..overlays import glob as doublestar
from . import toml11, validate
from .errors import ConfigIssue, overlay_label
from .positions import FilePositions, scan
from .renames import TODAY, Vocabulary
from .source import ConfigSource, Limits, SourceError, glob, has_glob, join

ROOT_FILE = "azldev.toml"
Path = tuple[str | int, ...]


@dataclass(eq=False)
class ConfigFile:
    """One parsed TOML file; shared between loads when its content is the same."""

    path: str  # relative to the config root
    data: dict[str, Any]
    text: str
    identity: str | None = None
    _positions: FilePositions | None = field(default=None, repr=False)
    _declared: dict[str, dict[str, Declared]] = field(default_factory=dict, repr=False)
    _shape: list[validate.Problem] | None = field(default=None, repr=False)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def positions(self) -> FilePositions:
        if self._positions is None:
            self._positions = scan(self.text)
        return self._positions

    def line(self, path: Path) -> int:
        return self.positions.lines(path)[0]

    @property
    def shape_problems(self) -> list[validate.Problem]:
        """Unknown fields and wrong types in the file (computed once per content)."""
        if self._shape is None:
            self._shape = list(validate.shape_problems(self.data, validate.CONFIG_FILE))
        return self._shape

    def broken(self, *table: str) -> bool:
        """Whether a value at or around `table` has the wrong type, so what is there
        cannot be read (`broken("components", "x")`, `broken("distros")`)."""
        size = len(table)
        return any(
            not unknown and (path[:size] == table or table[: len(path)] == path)
            for path, _, unknown in self.shape_problems
        )

    def declarations(self, section: str) -> dict[str, Declared]:
        """The named tables of a section (components, groups, ...) declared here; cached."""
        cache = self._declared
        found = cache.get(section)
        if found is None:
            table = self.data.get(section)
            found = cache[section] = (
                {
                    name: Declared(name, self, raw if isinstance(raw, dict) else {})
                    for name, raw in table.items()
                }
                if isinstance(table, dict)
                else {}
            )
        return found


@dataclass
class Declared:
    """A component, group or image as declared in one file."""

    name: str
    file: ConfigFile
    raw: dict[str, Any]


@dataclass
class DistroVersion:
    name: str
    raw: dict[str, Any]
    file: ConfigFile  # the file whose definition of this version is in effect


@dataclass
class Distro:
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, DistroVersion] = field(default_factory=dict)


@dataclass
class LoadedFiles:
    source: ConfigSource
    files: list[ConfigFile]
    components: dict[str, Declared]
    groups: dict[str, Declared]
    distros: dict[str, Distro]
    project: dict[str, Any]
    project_defaults: list[tuple[ConfigFile, dict[str, Any]]]  # default-component-config per file
    groups_by_component: dict[str, list[str]]
    issues: list[ConfigIssue]
    warnings: list[ConfigIssue]
    # Why the config was refused whole before it was all read (too many components).
    refused: ConfigIssue | None = None


class ParseCache:
    """Parsed files by content id (git blob), so walking history parses each blob once."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], ConfigFile | ConfigIssue] = {}
        # (path, blob, permissive, lenient, vocabulary) -> (issues, warnings)
        self.checked: dict[
            tuple[str, str, bool, bool, Vocabulary], tuple[list[ConfigIssue], list[ConfigIssue]]
        ] = {}


def describe(path: Path, data: dict[str, Any]) -> tuple[str, str]:
    """(component, item) naming what is at `path` in a file, for error messages."""
    if len(path) >= 2 and path[0] == "components":
        name = str(path[1])
        table = (data.get("components") or {}).get(name) or {}
        return name, _item(path[2:], table)
    if len(path) >= 2 and path[0] == "component-groups":
        group = (data.get("component-groups") or {}).get(path[1]) or {}
        head = f"component group {path[1]!r}"
        if len(path) > 3 and path[2] == "default-component-config":
            sub = _item(path[3:], group.get("default-component-config") or {})
            return "", f"{head} default-component-config, {sub}"
        return "", head + (f", {_dotted(path[2:])}" if len(path) > 2 else "")
    if len(path) >= 5 and path[0] == "distros" and path[2] == "versions":
        version = ((data.get("distros") or {}).get(path[1]) or {}).get("versions") or {}
        head = f"distro {path[1]!r} version {path[3]!r}"
        if len(path) > 5 and path[4] == "default-component-config":
            table = (version.get(path[3]) or {}).get("default-component-config") or {}
            return "", f"{head} default-component-config, {_item(path[5:], table)}"
        return "", head + (f", {_dotted(path[4:])}" if len(path) > 4 else "")
    if path and path[0] == "default-component-config":
        table = data.get("default-component-config") or {}
        return "", "project default-component-config" + (
            f", {_item(path[1:], table)}" if len(path) > 1 else ""
        )
    return "", _dotted(path)


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _item(rest: Path, table: dict[str, Any]) -> str:
    """Name an item inside a component-like table (overlay index + description, ...)."""
    if not rest:
        return ""
    if rest[0] == "overlays" and len(rest) >= 2 and isinstance(rest[1], int):
        overlays = table.get("overlays") or []
        entry = overlays[rest[1]] if rest[1] < len(overlays) else {}
        desc = entry.get("description", "") if isinstance(entry, dict) else ""
        label = overlay_label(rest[1] + 1, desc if isinstance(desc, str) else "")
        return label + (f", field {_dotted(rest[2:])}" if len(rest) > 2 else "")
    if rest[0] == "source-files" and len(rest) >= 2 and isinstance(rest[1], int):
        entries = table.get("source-files") or []
        entry = entries[rest[1]] if rest[1] < len(entries) else {}
        name = entry.get("filename", "") if isinstance(entry, dict) else ""
        label = f"source-files entry {rest[1] + 1}" + (f" ({name!r})" if name else "")
        return label + (f", field {_dotted(rest[2:])}" if len(rest) > 2 else "")
    return _dotted(rest)


class _Checker:
    """Collects the problems of one file with file, component, item and line."""

    def __init__(self, file: ConfigFile, permissive: bool, vocabulary: Vocabulary) -> None:
        self.file = file
        self.permissive = permissive
        self.vocabulary = vocabulary
        self.issues: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []

    def add(self, path: Path, message: str, *, unknown: bool = False) -> None:
        component, item = describe(path, self.file.data)
        issue = ConfigIssue(self.file.path, message, component, item, self.file.line(path))
        (self.warnings if unknown and self.permissive else self.issues).append(issue)

    def component_like(self, prefix: Path, table: dict[str, Any], *, per_component: bool) -> None:
        if not isinstance(table, dict):
            return
        for index, overlay in enumerate(table.get("overlays") or []):
            if isinstance(overlay, dict):
                for message in validate.overlay_problems(overlay, vocabulary=self.vocabulary):
                    self.add((*prefix, "overlays", index), message)
        validate.component_problems(
            table,
            lambda path, message: self.add((*prefix, *path), message),
            per_component=per_component,
        )


def check_file(
    file: ConfigFile, permissive: bool, lenient: bool = False, vocabulary: Vocabulary = TODAY
) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    """azldev's per-file validation of a config file (shape, then meaning).

    `lenient` is for reading old commits: rules azldev added later (a per-component
    snapshot is refused since mid-2026) are not applied to them.  `vocabulary` names
    the old metadata names their time accepted (renames.py).
    """
    checker = _Checker(file, permissive, vocabulary)
    data = file.data
    for path, message, unknown in file.shape_problems:
        checker.add(path, message, unknown=unknown)
    for index, pattern in enumerate(data.get("includes") or []):
        if pattern == "":
            checker.add(("includes", index), "'includes' entries cannot be empty")
    if not lenient:  # our rules, not azldev's: old commits are read as azldev read them
        _check_names_and_nul(checker)
    # Meaning is checked only where the shape is right (types are then as expected).
    for name, table in _items(data, "components"):
        if table and not file.broken("components", name):
            checker.component_like(("components", name), table, per_component=not lenient)
    for name, group in _items(data, "component-groups"):
        if file.broken("component-groups", name) or not isinstance(group, dict):
            continue
        if isinstance(group.get("metadata"), dict):
            for message in validate.metadata_problems(group["metadata"], vocabulary):
                checker.add(("component-groups", name, "metadata"), f"invalid metadata: {message}")
        checker.component_like(
            ("component-groups", name, "default-component-config"),
            group.get("default-component-config") or {},
            per_component=False,
        )
    for name, distro in _items(data, "distros"):
        if file.broken("distros", name) or not isinstance(distro, dict):
            continue
        for version, definition in (distro.get("versions") or {}).items():
            if isinstance(definition, dict):
                checker.component_like(
                    ("distros", name, "versions", version, "default-component-config"),
                    definition.get("default-component-config") or {},
                    per_component=False,
                )
    if "default-component-config" in data and not file.broken("default-component-config"):
        checker.component_like(
            ("default-component-config",), data["default-component-config"], per_component=False
        )
    return checker.issues, checker.warnings


# A NUL can only reach a parsed string through an escape (TOML refuses the raw byte).
_NUL_ESCAPE = re.compile(r"\\(?:u0000|U00000000|x00)")


def nul_paths(file: ConfigFile) -> Iterator[Path]:
    """Where the file's keys and strings hold a NUL (see validate.nul_problems)."""
    if _NUL_ESCAPE.search(file.text):
        yield from validate.nul_problems(file.data)


def _check_names_and_nul(checker: _Checker) -> None:
    """Component and group names follow the name rule; no string holds a NUL."""
    for section, what in validate.NAMED_SECTIONS.items():
        for name, _ in _items(checker.file.data, section):
            if problem := validate.name_problem(what, name):
                checker.add((section, name), problem)
    for path in nul_paths(checker.file):
        checker.add(path, validate.NUL_MESSAGE)


def _items(data: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    table = data.get(key)
    return list(table.items()) if isinstance(table, dict) else []


def parse_toml(path: str, raw: bytes, identity: str | None) -> ConfigFile | ConfigIssue:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ConfigIssue(path, f"is not valid UTF-8 (byte {exc.start}): TOML files must be UTF-8")
    data = parse_component_list(text)
    if data is not None:
        return ConfigFile(path, data, text, identity)
    try:
        data = toml11.loads(text)
    except toml11.TOMLDecodeError as exc:
        return ConfigIssue(path, f"is not valid TOML: {exc}", line=exc.lineno)
    except RecursionError:
        return ConfigIssue(path, "is not valid TOML: nested too deeply")
    return ConfigFile(path, data, text, identity)


_KEY = r"(?:([A-Za-z0-9_-]+)|\"([^\"\\\x00-\x1f\x7f]*)\"|'([^'\x00-\x1f\x7f]*)')"
_TAIL = r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?"
_LINE = rf"(?:\[components\.{_KEY}\]{_TAIL}|{_TAIL})\r?"
_LIST_BODY = re.compile(rf"{_LINE}(?:\n{_LINE})*")
_LIST_NAMES = re.compile(r"^\[components\.(.*)\]", re.M)


def parse_component_list(text: str) -> dict[str, Any] | None:
    """The parser's dict for a plain list of bare components, much faster; else None.

    Files such as `components.toml` are thousands of `[components.NAME]` lines, and the
    history walk reads hundreds of versions of them.  This accepts exactly that shape
    (a top part that the parser reads to `includes` only, then nothing but such headers,
    comments and blank lines, no name twice) and declines anything else, which the parser
    then reads (and reports, if it is wrong).
    """
    if "\r" in text.replace("\r\n", ""):
        return None
    start = 0 if text.startswith("[components.") else text.find("\n[components.") + 1
    if start == 0 and not text.startswith("[components."):
        return None  # no list at all
    if start and (text.startswith("[") or "\n[" in text[: start - 1]):
        return None  # another table before the list
    body = text[start:]
    if _LIST_BODY.fullmatch(body) is None:
        return None
    # The body matched _LIST_BODY, so each name is bare, "quoted" or 'quoted' with no escapes.
    names = [n[1:-1] if n[:1] in "\"'" else n for n in _LIST_NAMES.findall(body)]
    components = dict.fromkeys(names)
    if len(components) != len(names):
        return None
    try:
        data = toml11.loads(text[:start])
    except toml11.TOMLDecodeError:
        return None
    if set(data) - {"includes", "$schema"}:
        return None
    data["components"] = {name: {} for name in components}
    return data


class _Loader:
    def __init__(
        self,
        source: ConfigSource,
        limits: Limits,
        permissive: bool,
        cache: ParseCache | None,
        lenient: bool = False,
        vocabulary: Vocabulary = TODAY,
    ) -> None:
        self.source = source
        self.limits = limits
        self.permissive = permissive
        self.lenient = lenient
        self.vocabulary = vocabulary
        self.cache = cache
        self.files: list[ConfigFile] = []
        self.issues: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []
        self.included_by: dict[str, str] = {}
        self.total = 0
        self.components = 0
        self.too_many: ConfigIssue | None = None  # past limits.max_components

    def issue(self, file: str, message: str, line: int = 0, item: str = "") -> None:
        self.issues.append(ConfigIssue(file, message, item=item, line=line))

    def read(self, path: str) -> ConfigFile | None:
        identity = self.source.identity(path)
        key = (path, identity) if identity else None
        cached = self.cache.files.get(key) if (self.cache is not None and key) else None
        if cached is None:
            try:
                raw = self.source.read(path, self.limits.max_file_bytes)
            except (SourceError, OSError) as exc:
                self.issue(path, f"cannot be read: {exc}")
                return None
            cached = parse_toml(path, raw, identity)
            if self.cache is not None and key:
                self.cache.files[key] = cached
        if isinstance(cached, ConfigIssue):
            self.issues.append(cached)
            return None
        self.total += len(cached.text)
        if self.total > self.limits.max_total_bytes:
            self.issue(
                path,
                f"takes the config past {self.limits.max_total_bytes:,} bytes of TOML;"
                " refusing a config this large",
            )
            return None
        declared = cached.data.get("components")
        if isinstance(declared, dict) and declared:
            # Counted as the files come: past the limit nothing more is checked or resolved.
            if self.too_many is not None:
                return None
            self.components += len(declared)
            if self.components > self.limits.max_components:
                self.too_many = ConfigIssue(
                    path,
                    f"takes the config past {self.limits.max_components:,} components, the"
                    " limit for one config; refusing a config this large",
                )
                return None
        if self.cache is not None and identity:
            mode = (path, identity, self.permissive, self.lenient, self.vocabulary)
            checked = self.cache.checked.get(mode)
            if checked is None:
                checked = self.cache.checked[mode] = check_file(
                    cached, self.permissive, self.lenient, self.vocabulary
                )
        else:
            checked = check_file(cached, self.permissive, self.lenient, self.vocabulary)
        self.issues.extend(checked[0])
        self.warnings.extend(checked[1])
        return cached

    def load(self, path: str, stack: list[str]) -> None:
        if path in stack:
            chain = " -> ".join([*stack[stack.index(path) :], path])
            self.issue(stack[-1], f"include loop: {chain}", item="includes")
            return
        if path in self.included_by:
            self.issue(
                stack[-1] if stack else path,
                f"{path} is included a second time (first by {self.included_by[path]});"
                " each file may be included only once",
                item="includes",
            )
            return
        if len(stack) >= self.limits.max_include_depth:
            self.issue(
                stack[-1],
                f"includes nest deeper than {self.limits.max_include_depth} files",
                item="includes",
            )
            return
        if len(self.files) >= self.limits.max_files:
            self.issue(path, f"the config has more than {self.limits.max_files:,} files")
            return
        self.included_by[path] = stack[-1] if stack else "(root)"
        file = self.read(path)
        if file is None:
            return
        self.files.append(file)
        includes = file.data.get("includes")
        if not isinstance(includes, list):
            return
        stack = [*stack, path]
        for index, pattern in enumerate(includes):
            if not isinstance(pattern, str) or not pattern:
                continue
            for match in self.expand(file, index, pattern):
                self.load(match, stack)

    def expand(self, file: ConfigFile, index: int, pattern: str) -> list[str]:
        def problem(message: str) -> list[str]:
            self.issue(file.path, message, file.line(("includes", index)), "includes")
            return []

        if pattern.startswith("/"):
            relative = getattr(self.source, "relative", None)
            rooted = relative(pattern) if relative else None
        else:
            rooted = join(file.folder, pattern)
        if rooted is None:
            return problem(f"include {pattern!r} points outside the config tree")
        if not has_glob(pattern):
            if not self.source.is_file(rooted):
                return problem(f"included file {pattern!r} does not exist")
            return [rooted]
        try:
            return glob(self.source, rooted)
        except ValueError as exc:
            return problem(f"include {pattern!r} is not a valid glob: {exc}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False or value == 0 or value == {}


def merge_fields(target: dict[str, Any], update: dict[str, Any]) -> None:
    """azldev's field-level merge for project/tools: later non-empty values win."""
    for key, value in update.items():
        if isinstance(value, dict):
            current = target.get(key)
            merged = dict(current) if isinstance(current, dict) else {}
            merge_fields(merged, value)
            target[key] = merged
        elif not _empty(value) and value != []:
            target[key] = value


def load_files(
    source: ConfigSource,
    *,
    limits: Limits | None = None,
    permissive: bool = False,
    cache: ParseCache | None = None,
    root_file: str = ROOT_FILE,
    lenient: bool = False,
    vocabulary: Vocabulary = TODAY,
) -> LoadedFiles:
    """Read `azldev.toml` and its includes; merge; collect every problem."""
    loader = _Loader(source, limits or Limits(), permissive, cache, lenient, vocabulary)
    if not source.is_file(root_file):
        loader.issue(root_file, f"there is no {root_file} at the top of {source.describe()}")
    else:
        loader.load(root_file, [])

    components: dict[str, Declared] = {}
    groups: dict[str, Declared] = {}
    unique: dict[str, dict[str, Declared]] = {
        "components": components,
        "component-groups": groups,
        "images": {},
        "package-groups": {},
        "test-suites": {},
    }
    distros: dict[str, Distro] = {}
    project: dict[str, Any] = {}
    project_defaults: list[tuple[ConfigFile, dict[str, Any]]] = []
    issues = loader.issues
    for file in loader.files:
        data = file.data
        for section, seen in unique.items():
            declared = file.declarations(section)
            if not declared:
                continue
            clashes = seen.keys() & declared.keys() if seen else ()
            if not clashes:
                seen.update(declared)
                continue
            for name in sorted(clashes):
                first = seen[name]
                what = section.rstrip("s").replace("-", " ")
                issues.append(
                    ConfigIssue(
                        file.path,
                        f"{what} {name!r} is defined twice: in {first.file.path}:"
                        f"{first.file.line((section, name))} and in {file.path}:"
                        f"{file.line((section, name))}; names must be unique across files",
                        component=name if section == "components" else "",
                        line=file.line((section, name)),
                    )
                )
            seen.update((k, v) for k, v in declared.items() if k not in clashes)
        for name, raw in _items(data, "distros"):
            if not isinstance(raw, dict) or file.broken("distros", name):
                continue  # its problems are reported; the resolver does not run on it
            distro = distros.setdefault(name, Distro(name))
            for key, value in raw.items():
                if key == "versions":
                    for version, definition in (value or {}).items():
                        if isinstance(definition, dict):
                            distro.versions[version] = DistroVersion(version, definition, file)
                elif not _empty(value) and value != []:
                    distro.fields[key] = value
        if isinstance(data.get("project"), dict):
            merge_fields(project, data["project"])
        if isinstance(data.get("default-component-config"), dict):
            project_defaults.append((file, data["default-component-config"]))

    groups_by_component: dict[str, list[str]] = {}
    for name in sorted(groups):
        group = groups[name]
        if group.file.broken("component-groups", name, "components"):
            continue  # reported: the list cannot be read
        for index, member in enumerate(group.raw.get("components") or []):
            if member not in components:
                issues.append(
                    ConfigIssue(
                        group.file.path,
                        f"component group {name!r} lists component {member!r}, "
                        "which is not defined in [components]",
                        item=f"component group {name!r}",
                        line=group.file.line(("component-groups", name, "components", index)),
                    )
                )
                continue
            groups_by_component.setdefault(member, []).append(name)
    _discover_specs(source, groups, components, groups_by_component, issues, lenient)
    if not lenient:  # publishing rules say nothing about deviations; history skips them
        _check_package_groups(unique["package-groups"], issues)
    if loader.too_many is not None:
        # The files past the limit were not read: whatever else looks wrong follows from it.
        issues = [loader.too_many]
    return LoadedFiles(
        source,
        loader.files,
        components,
        groups,
        distros,
        project,
        project_defaults,
        groups_by_component,
        issues,
        loader.warnings,
        loader.too_many,
    )


def _discover_specs(
    source: ConfigSource,
    groups: dict[str, Declared],
    components: dict[str, Declared],
    groups_by_component: dict[str, list[str]],
    issues: list[ConfigIssue],
    lenient: bool,
) -> None:
    """A group's `specs` globs make a local-spec component of each spec file found.

    The file's name (without `.spec`) is the component's, so it follows the name rule.
    """
    for name in sorted(groups):
        group = groups[name]
        if group.file.broken("component-groups", name):
            continue  # reported; its patterns cannot be trusted to be strings
        patterns = group.raw.get("specs") or []
        excluded = [join(group.file.folder, p) for p in group.raw.get("excluded-paths") or []]
        for pattern in patterns:
            rooted = join(group.file.folder, pattern)
            if rooted is None:
                issues.append(
                    ConfigIssue(
                        group.file.path,
                        f"spec pattern {pattern!r} points outside the config tree",
                        item=f"component group {name!r}",
                    )
                )
                continue
            try:
                found = glob(source, rooted)
            except ValueError as exc:
                issues.append(
                    ConfigIssue(
                        group.file.path,
                        f"spec pattern {pattern!r} is not a valid glob: {exc}",
                        item=f"component group {name!r}",
                    )
                )
                continue
            for path in found:
                if not path.endswith(".spec") or any(
                    ex and glob_match(ex, path) for ex in excluded
                ):
                    continue
                component = posixpath.basename(path)[: -len(".spec")]
                if component in components:
                    continue  # declared explicitly; the declaration wins
                problem = validate.name_problem("component", component)
                if problem and not lenient:
                    issues.append(
                        ConfigIssue(
                            group.file.path,
                            f"spec file {path} names a component: {problem}",
                            item=f"component group {name!r}",
                            line=group.file.line(("component-groups", name, "specs")),
                        )
                    )
                    continue
                spec_rel = posixpath.relpath(path, group.file.folder or ".")
                components[component] = Declared(
                    component, group.file, {"spec": {"type": "local", "path": spec_rel}}
                )
                groups_by_component.setdefault(component, []).append(name)


def glob_match(pattern: str, path: str) -> bool:
    try:
        return doublestar.match_path(pattern, path)
    except ValueError:
        return False


def _check_package_groups(package_groups: dict[str, Declared], issues: list[ConfigIssue]) -> None:
    seen: dict[str, str] = {}
    for name in sorted(package_groups):
        group = package_groups[name]
        for package in group.raw.get("packages") or []:
            first = seen.setdefault(package, name)
            if first != name:
                issues.append(
                    ConfigIssue(
                        group.file.path,
                        f"package {package!r} is in package groups {first!r} and {name!r};"
                        " a package may belong to one group only",
                        item=f"package group {name!r}",
                    )
                )
