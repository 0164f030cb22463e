"""With DEBUG off and no `collectstatic`, the manifest storage cannot name a static file:
pages answer 500, and the error pages must still render (plain HTML, no {% static %}),
or the server answers its bare "A server error occurred".  `manage.py check` warns."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Tags
from django.test import Client, override_settings

from deviations.web.checks import static_manifest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture
def not_collected(settings, tmp_path):
    """Production's storage, DEBUG off, and a STATIC_ROOT collectstatic never wrote."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    return settings.STATIC_ROOT


def _get(client: Client, url: str):
    response = client.get(url)
    html = response.content.decode()
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "/static/" not in html  # the storage cannot name the stylesheet: none linked
    return response.status_code, html


@pytest.mark.django_db
def test_every_error_page_renders_without_static_files(not_collected, teammate):
    client = Client(raise_request_exception=False)
    client.force_login(teammate)
    status, html = _get(client, "/")  # {% static %} raises in base.html: a server error
    assert status == 500 and "<h1>Something went wrong</h1>" in html
    status, html = _get(client, "/no/such/page/")
    assert status == 404 and "<h1>Not found</h1>" in html and 'class="topbar"' in html

    nobody = Client(raise_request_exception=False)
    from tests import factories

    nobody.force_login(factories.make_user("outsider"))
    status, html = _get(nobody, "/components/")
    assert status == 403 and "has no role in azldrift" in html

    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(teammate)
    response = browser.post("/logout/")
    assert response.status_code == 403 and "The form has expired" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.views.test_errors")
def test_the_403_page_renders_without_static_files(not_collected, teammate):
    client = Client(raise_request_exception=False)
    client.force_login(teammate)
    status, html = _get(client, "/t/forbidden/")
    assert status == 403 and "<h1>Not allowed</h1>" in html


def test_with_static_files_the_error_pages_keep_their_stylesheet(db, client_in):
    html = client_in.get("/no/such/page/").content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html


def test_check_warns_when_the_manifest_is_missing(not_collected, settings):
    (warning,) = static_manifest()
    assert warning.id == "azldrift.W001"
    assert str(not_collected / "staticfiles.json") in warning.msg
    settings.DEBUG = True
    assert static_manifest() == []
    settings.DEBUG = False
    not_collected.mkdir()
    (not_collected / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    assert static_manifest() == []


def test_collectstatic_does_not_run_the_check_it_would_fail():
    # collectstatic runs the checks tagged `staticfiles` only; bin/run collects first.
    assert Tags.staticfiles not in static_manifest.tags


@pytest.mark.slow
def test_manage_py_check_warns_in_a_fresh_process(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("STATIC_PLAIN", None)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "(azldrift.W001) The static files manifest" in result.stderr
