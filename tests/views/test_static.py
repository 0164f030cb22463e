"""Static files before `collectstatic`: served from the finders, without a warning."""

import warnings

import pytest
from django.test import Client

from azldrift.static import StaticFilesMiddleware


def test_without_static_root_the_finders_serve_and_nothing_warns(db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "not-collected"
    settings.WHITENOISE_USE_FINDERS = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert b".error-page" in b"".join(response.streaming_content)


def test_without_the_finders_a_missing_static_root_still_warns(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "not-collected"
    settings.WHITENOISE_USE_FINDERS = False
    with pytest.warns(UserWarning, match="No directory at"):
        StaticFilesMiddleware(lambda request: None)


def test_a_collected_static_root_is_served(settings, tmp_path):
    (tmp_path / "collected").mkdir()
    (tmp_path / "collected" / "only-here.txt").write_text("collected")
    settings.STATIC_ROOT = tmp_path / "collected"
    middleware = StaticFilesMiddleware(lambda request: None)
    assert "/static/only-here.txt" in middleware.files
