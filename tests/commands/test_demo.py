"""manage.py demo: the main job bin/run calls, on the bundled demo data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from deviations.management.commands import demo
from deviations.models import Component, Deviation, ImportRun

pytestmark = pytest.mark.django_db


def test_demo_imports_the_config_history_and_prints_the_summary(monkeypatch, settings, tmp_path):
    # The config steps only; the sync, the reviews and serving have their own tests.
    settings.CACHE_DIR = tmp_path / "cache"
    monkeypatch.setattr(demo, "STEPS", demo.STEPS[:2])
    out = StringIO()
    call_command("demo", "--work-dir", str(tmp_path / "work"), stdout=out)
    text = out.getvalue()
    assert "[1/2] Building the demo config's git history" in text
    assert "10 commits by 4 authors" in text
    assert "[2/2] Importing the demo config" in text
    assert "components: 21 (15 customized)" in text
    assert Component.objects.count() == 21
    assert Deviation.objects.filter(kind="overlay").exists()
    # A fresh database stops at the reviewed commit: the reviews come before the rest.
    reviewed = demo.config_history().build(tmp_path / "work" / "config.git")["reviewed"]
    run = ImportRun.latest()
    assert run.commit.sha == reviewed and run.location["git_dir"].endswith("config.git")
    assert not Deviation.objects.filter(introduced_commit__isnull=True).exists()

    # Later runs import the tip; once there, nothing changes and nothing is written.
    call_command("demo", "--work-dir", str(tmp_path / "work"), stdout=StringIO())
    assert ImportRun.latest().commit.sha != reviewed
    out = StringIO()
    call_command("demo", "--work-dir", str(tmp_path / "work"), stdout=out)
    assert "nothing changed, nothing written" in out.getvalue()
