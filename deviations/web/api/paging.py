"""The API's paging: `page` and `page_size` (at most 500), 50 a page unless asked.

The default pagination class (settings.REST_FRAMEWORK); its own module, importing
no DRF view, because DRF resolves its default classes while `rest_framework.generics`
is still being imported.
"""

from __future__ import annotations

from rest_framework import pagination


class Pages(pagination.PageNumberPagination):
    # page_size comes from settings.REST_FRAMEWORK["PAGE_SIZE"]; DRF has no setting for these.
    page_size_query_param = "page_size"
    max_page_size = 500
