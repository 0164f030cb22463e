"""The REST API (Django REST framework): one module per resource, `urls` ties them.

Reads use the list pages' FilterSets and query functions (deviations.reads.filters,
deviations.reads.queries); writes call the services (deviations.domain.reviews, .notes,
.sync.service), which check deviations.domain.permissions themselves -- the same
rules, four eyes included, as the HTML pages.
"""
