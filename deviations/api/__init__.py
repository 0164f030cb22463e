"""The REST API (Django REST framework): one module per resource, `urls` ties them.

Reads use the list pages' FilterSets and query functions (deviations.filters,
deviations.queries); writes call the services (deviations.reviews, .notes,
.sync.service), which check deviations.permissions themselves -- the same
rules, four eyes included, as the HTML pages.
"""
