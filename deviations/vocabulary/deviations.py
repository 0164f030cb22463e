"""The kinds of deviation: every way a component's config departs from plain Fedora."""

from __future__ import annotations

from .base import Vocabulary


class DeviationKind(Vocabulary):
    OVERLAY = (
        "overlay",
        "overlay",
        "An overlay: one edit of the spec or its sources, applied as azldev applies it.",
    )
    BUILD_OPTION = (
        "build-option",
        "build option",
        "A build option: a `with`, `without` or `undefines` entry, a `defines` key, "
        "`emit-upstream-provenance` or a hint.",
    )
    CHECK_SKIP = (
        "check-skip",
        "skipped %check",
        "The package's `%check` does not run (`build.check.skip`).",
    )
    EXPECTED_FAILURE = (
        "expected-failure",
        "expected build failure",
        "The build is expected to fail (`build.failure.expected`).",
    )
    UPSTREAM_PIN = (
        "upstream-pin",
        "upstream commit pin",
        "The spec comes from one pinned Fedora commit (`spec.upstream-commit`), "
        "not from the snapshot.",
    )
    UPSTREAM_RENAME = (
        "upstream-rename",
        "upstream rename",
        "Fedora's package has another name than the component (`spec.upstream-name`).",
    )
    UPSTREAM_VERSION = (
        "upstream-version",
        "non-default upstream version",
        "The spec comes from another distro, version or snapshot than the project's default.",
    )
    LOCAL_SPEC = (
        "local-spec",
        "local spec",
        "The spec is Azure Linux's own, not Fedora's (`spec.type = \"local\"`).",
    )
    SOURCE_FILE = (
        "source-file",
        "replaced or added source file",
        "A `source-files` entry replaces or adds a source file.",
    )
    RELEASE_CALCULATION = (
        "release-calculation",
        "non-default release calculation",
        "The release is calculated otherwise than `auto` (`release.calculation`).",
    )
    RENDER_OPTION = (
        "render-option",
        "render option",
        "Rendering is told to work otherwise (`render.skip-file-filter`).",
    )
