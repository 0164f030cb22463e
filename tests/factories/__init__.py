"""Everything the tests build: plain functions (no factory library), one module a resource.

Each takes the values a test cares about and fills the rest with plausible ones; a name
says what it builds.  Use them as `from tests import factories` then `factories.make_…`.

| module | builds |
|---|---|
| people | users with roles (make_user, through the audited service), token API clients |
| commits | config commits, import runs |
| components | components with a Fedora 43 upstream |
| deviations | deviations with versions; a re-import's new version, a sync's effect |
| syncs | sync runs, per-component sync state and verdicts; a real upstream for a sync |
| audit_trail | the events an import writes |
| world | make_world(): a small, complete data set for pages, API and exports |
| known | known_records(): a data set with every value fixed, for exact export files |
| config_repos | azldev config trees on disk and config git repositories |
| upstream_repos | bare dist-git repositories built commit by commit, spec texts |
| git | git for those repositories, free of the machine's config |

Fixtures (users by role, clients, the world of a module) stay in the conftest files and
call these.
"""

from tests.factories.audit_trail import record_import_events
from tests.factories.commits import T0, make_commit, make_import_run
from tests.factories.components import SNAPSHOT, SNAPSHOT_AT, component_named, make_component
from tests.factories.config_repos import (
    DEMO,
    EVERY_STAGE_CONFIG,
    EVERY_STAGE_PROBLEMS,
    MINIMAL_CONFIG,
    ConfigRepo,
    copy_demo_config,
    write_config_tree,
)
from tests.factories.deviations import (
    add_overlay,
    add_version,
    content_fingerprint,
    make_deviation,
    record_effect,
    recorded_approval,
)
from tests.factories.git import bare_git, work_tree_git
from tests.factories.known import Known, known_records
from tests.factories.people import PASSWORD, SETUP, api_client_for, make_user
from tests.factories.syncs import (
    SPEC_DIFF,
    Upstream,
    component_with_upstream,
    make_component_sync,
    make_overlay_result,
    make_sync_run,
    wait_for_sync,
)
from tests.factories.upstream_repos import UpstreamFolder, UpstreamRepo, spec_text
from tests.factories.world import World, add_synced_components, make_world

__all__ = [
    "DEMO",
    "EVERY_STAGE_CONFIG",
    "EVERY_STAGE_PROBLEMS",
    "MINIMAL_CONFIG",
    "PASSWORD",
    "SETUP",
    "SNAPSHOT",
    "SNAPSHOT_AT",
    "SPEC_DIFF",
    "T0",
    "ConfigRepo",
    "Known",
    "Upstream",
    "UpstreamFolder",
    "UpstreamRepo",
    "World",
    "add_overlay",
    "add_synced_components",
    "add_version",
    "api_client_for",
    "bare_git",
    "component_named",
    "component_with_upstream",
    "content_fingerprint",
    "copy_demo_config",
    "known_records",
    "make_commit",
    "make_component",
    "make_component_sync",
    "make_deviation",
    "make_import_run",
    "make_overlay_result",
    "make_sync_run",
    "make_user",
    "make_world",
    "record_effect",
    "record_import_events",
    "recorded_approval",
    "spec_text",
    "wait_for_sync",
    "work_tree_git",
    "write_config_tree",
]
