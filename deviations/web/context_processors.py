"""What every template sees besides the view's own context."""

from __future__ import annotations

from django.http import HttpRequest

from deviations.vocabulary import VOCABULARIES, Vocabulary

# Every vocabulary by its class name, so templates compare against members
# (`{% if run.status == SyncRunStatus.RUNNING %}`), never against string literals.
_VOCABULARIES = {vocabulary.__name__: vocabulary for vocabulary in VOCABULARIES}


def vocabulary(request: HttpRequest) -> dict[str, type[Vocabulary]]:
    return _VOCABULARIES
