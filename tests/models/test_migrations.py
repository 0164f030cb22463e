"""The migrations describe the models: a change to a model without its migration fails here.

The history only grows (0001 and 0002 are never regenerated or edited); this is what
`manage.py makemigrations --check --dry-run` answers, run as CI would.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models and migrations disagree (status {exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
