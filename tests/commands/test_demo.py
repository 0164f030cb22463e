"""manage.py demo: the main job bin/run calls, on the bundled demo data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from deviations.management.commands import demo
from deviations.models import Component, Deviation

pytestmark = pytest.mark.django_db


def test_demo_imports_the_bundled_config_and_prints_the_summary(monkeypatch):
    # Only this step here; later steps (sync, serving the UI) have their own tests.
    monkeypatch.setattr(demo, "STEPS", demo.STEPS[:1])
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "[1/1] Importing the demo config" in text
    assert "components: 20 (14 customized)" in text
    assert Component.objects.count() == 20
    assert Deviation.objects.filter(kind="overlay").exists()
    # Running it again is harmless: nothing changed, nothing written.
    out = StringIO()
    call_command("demo", stdout=out)
    assert "nothing changed, nothing written" in out.getvalue()
