"""Upstream intelligence: what upstream already did about each deviation.

`check.run_check()` refreshes each deviation's links (`refs`), asks the services
(`deviations.core.upstream`) about those that are due, stores the states and the
components' upstream releases, and keeps the suggestions current (`suggest`), all
audited; `decide.decide()` records a reviewer accepting or dismissing a suggestion;
`tasks.check_upstream` runs a check through `django.tasks` workers.
"""
