"""The demo's build scripts, loaded by path: `demo/upstream/build.py` (the fake Fedora
dist-git repositories) and `demo/confighistory.py` (the demo config's git history).
They are plain files beside the demo data, not a package, so they also run alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from django.conf import settings

DEMO = Path(settings.BASE_DIR) / "demo"


def load(relative: str) -> ModuleType:
    """The script at `demo/<relative>`, freshly executed as a module."""
    path = DEMO / relative
    spec = importlib.util.spec_from_file_location(f"demo_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upstream_builder() -> ModuleType:
    return load("upstream/build.py")


def config_history() -> ModuleType:
    return load("confighistory.py")
