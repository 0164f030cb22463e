"""Which dist-git URLs, package names and branch names azldrift will hand to git.

URLs come from configuration (the distro's `dist-git-base-uri`, a run's override) and
names from component TOML, so all of them are treated as untrusted:

- Only `https://`, `ssh://`, `git://` and `file://` URLs.  git's "remote helper"
  syntax (`ext::<command>` runs a command, `fd::<n>` talks over a file descriptor) and
  every other transport (`http://`, `ftp://`, scp-style `host:path`, bare paths) are
  refused here, and the git processes run with `GIT_ALLOW_PROTOCOL` as a second wall.
- Plain `http://` is refused on purpose: the ref advertisement (which commit a branch
  points at) would travel unauthenticated and unencrypted, so anyone on the path could
  show azldrift a forged upstream history; Fedora serves dist-git over HTTPS.  (`git://`
  shares that weakness but is allowed because internal mirrors use it.)
- Nothing may start with `-`, so no value can be read by git as an option
  (`--upload-pack=...`); URLs are also always passed after `--`.
- `$pkg` is replaced only by a package name that follows `core.names.NAME_RULE`
  (letters, digits and `._+-`, no `..`, no `/`, no leading `-`/`.`; the rule the
  import applies to component and group names); the result is checked again as a URL.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from deviations.core.names import NAME_RULE, is_safe_name
from deviations.core.urlcheck import UrlRefused, checked_parts

from .errors import DistGitError, ErrorKind

ALLOWED_SCHEMES: tuple[str, ...] = ("https", "ssh", "git", "file")
# For git's GIT_ALLOW_PROTOCOL / protocol.<name>.allow (same names as the schemes).
ALLOWED_PROTOCOLS: tuple[str, ...] = ALLOWED_SCHEMES

_BRANCH_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/+-]{0,199}")
_COMMIT_RE = re.compile(r"[0-9a-fA-F]{4,40}")


def check_package_name(name: str) -> str:
    """A package name safe to put into a URL and a file name, or DistGitError."""
    if not is_safe_name(name):
        raise DistGitError(
            ErrorKind.BAD_NAME,
            f"package name {name!r} is not safe to use in a dist-git URL ({NAME_RULE})",
        )
    return name


def check_branch_name(branch: str) -> str:
    """A branch name safe to use as refs/heads/<branch>, or DistGitError."""
    bad = (
        not _BRANCH_RE.fullmatch(branch or "")
        or ".." in branch
        or "//" in branch
        or branch.endswith(("/", ".", ".lock"))
        or "/." in branch
    )
    if bad:
        raise DistGitError(ErrorKind.BAD_NAME, f"branch name {branch!r} is not a safe git branch")
    return branch


def check_commit_id(value: str) -> str:
    """A (short or full) hexadecimal commit id, lower-cased, or DistGitError."""
    if not _COMMIT_RE.fullmatch(value or ""):
        raise DistGitError(
            ErrorKind.BAD_NAME,
            f"upstream-commit {value!r} is not a commit id (4 to 40 hexadecimal digits)",
        )
    return value.lower()


def _refuse(url: str, why: str) -> DistGitError:
    shown = url if len(url) <= 200 else url[:200] + "..."
    return DistGitError(ErrorKind.UNSAFE_URL, f"dist-git URL {shown!r} refused: {why}")


_NOT_A_URL = (
    "not a URL with a scheme; use https://, ssh://, git:// or file:// "
    "(scp-style host:path and bare paths are not accepted)"
)
_REMOTE_HELPER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*::")


def check_url(url: str) -> str:
    """The URL unchanged if git may fetch from it, else DistGitError (kind unsafe-url)."""
    if isinstance(url, str) and url.startswith("-"):
        raise _refuse(url, "starts with '-' (would be read as a git option)")
    try:
        parts = checked_parts(url, ALLOWED_SCHEMES, not_a_url=_NOT_A_URL)
    except UrlRefused as why:
        reason = str(why)
        if reason == _NOT_A_URL and ("::" in url.split("/", 1)[0] or _REMOTE_HELPER.match(url)):
            reason = "git remote-helper syntax (<transport>::<address>) is not allowed"
        raise _refuse(str(url), reason) from None
    if parts.query:
        raise _refuse(url, "query strings are not allowed")
    if parts.scheme.lower() == "file":
        return url
    if parts.username and parts.username.startswith("-"):
        raise _refuse(url, "user name starts with '-'")
    if parts.scheme.lower() == "https" and parts.password:
        raise _refuse(url, "passwords in URLs are not accepted (use a credential helper)")
    return url


def expand_base_uri(template: str, package: str) -> str:
    """The dist-git URL for one package: `$pkg` (or `${pkg}`) replaced, then checked."""
    check_package_name(package)
    if "$pkg" not in template and "${pkg}" not in template:
        raise _refuse(template, "the dist-git base URI has no $pkg placeholder")
    return check_url(template.replace("${pkg}", package).replace("$pkg", package))


def file_url_path(url: str) -> str | None:
    """The local path of a checked file:// URL (for the hard-linking local clone), else None."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return None
    return unquote(parts.path)


def display_name(url: str) -> str:
    """A short, file-name-safe name for a URL's repository (for mirror folder names)."""
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    last = last.removesuffix(".git")
    safe = re.sub(r"[^A-Za-z0-9._+-]", "_", last).lstrip(".-")[:80]
    return safe or "repo"
