"""The people bench/load.py sends at the server: locust user classes (a locustfile).

Run by bench/load.py as `locust -f bench/load_users.py --headless ...`, never on its own:
it reads the accounts and the records to visit from the JSON file named by
AZLDRIFT_LOAD_TARGETS, which bench/load.py writes after setting up the database.

- Viewers browse and search: the overview, the component and deviation lists with
  filters, sorts, deep pages and searches (some as htmx asks for the results part), a
  component's page, a deviation's page, the audit log, the sync runs.
- Reviewers log in, open the review queue and a deviation's review page, and decide
  with what that page shows: a real POST of its form (CSRF token, fingerprint, effect
  hash); most approve, some request changes with a comment.  A 409 (the deviation
  changed since the page was read, e.g. the running sync rendered its effect) is the
  answer that rule owes; it is reported on its own line, and the reviewer reads the
  page again and decides on what it is now, as a person would.
- Auditors read the audit log and export CSV (deviations, components, audit, queue).
- One anonymous visitor opens the login page: the floor, the least a page costs
  through the same server under the same load.

Every account is its own, with the right password and role, so django-axes (which
counts failed password checks) has nothing to count.  Every answer is checked: the
status the page owes (200, or the decision's 302), an HTML page that ends, a CSV with
its header; anything else is a failure.
"""

from __future__ import annotations

import json
import os
import random
import re
from urllib.parse import quote

from locust import HttpUser, between, task

with open(os.environ["AZLDRIFT_LOAD_TARGETS"]) as handle:
    TARGETS = json.load(handle)

ACCOUNTS = {role: iter(accounts) for role, accounts in TARGETS["accounts"].items()}
COMPONENTS: list[str] = TARGETS["components"]
CUSTOMIZED: list[str] = TARGETS["customized"] or COMPONENTS
DEVIATIONS: list[int] = TARGETS["deviations"]
HX = {"HX-Request": "true", "HX-Target": "results"}

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FINGERPRINT = re.compile(r'name="fingerprint" value="([^"]*)"')
# Before the first sync the effect hash is empty, and the hidden input has no value.
EFFECT = re.compile(r'name="effect_hash"(?: value="([^"]*)")?')
DEVIATION_LINK = re.compile(r'href="/deviations/(\d+)/')

COMPONENT_LISTS = [
    "/components/",
    "/components/?has_deviations=yes",
    "/components/?category=azl-pruning",
    "/components/?behind=any&sort=-behind",
    "/components/?rebase_risk=fail",
    "/components/?kind=overlay&review_state=needs-review",
    "/components/?page=100",
    "/components/?sort=-deviations&page=3",
    "/components/?sync_error=yes",
]
DEVIATION_LISTS = [
    "/deviations/",
    "/deviations/?kind=overlay",
    "/deviations/?category=upstream-backport",
    "/deviations/?verdict_at_tip=failed",
    "/deviations/?sort=-updated&page=5",
    "/deviations/?review_state=needs-review",
    "/deviations/?review_state=approved&kind=overlay",
]
SEARCHES = ["lib", "python", "test", "perl", "glibc", "systemd", "ssl", "x", "kernel", "rust"]
AUDIT_LOGS = [
    "/audit/",
    "/audit/?page=50",
    "/audit/?component=systemd",
    "/audit/?action=deviation.created",
    "/audit/?action=review.approved",
    "/audit/?since=2020-01-01",
]
EXPORTS = [
    ("export deviations.csv", "/exports/deviations.csv"),
    ("export deviations.csv (filtered)", "/exports/deviations.csv?kind=overlay&q=lib"),
    ("export components.csv", "/exports/components.csv?has_deviations=yes"),
    ("export queue.csv", "/exports/queue.csv"),
    ("export audit.csv (filtered)", "/exports/audit.csv?action=review.approved"),
]


def status(answer) -> str:
    """The status, or for no answer at all (status 0) the client's error."""
    return str(answer.status_code) if answer.status_code else f"no answer: {answer.error!r}"


def component_url(name: str) -> str:
    return f"/components/{quote(name, safe='')}/"


class Visitor(HttpUser):
    """What every signed-in user shares: a login of its own and checked pages."""

    abstract = True
    role = ""

    def on_start(self) -> None:
        self.username, password = next(ACCOUNTS[self.role])
        with self.client.get("/login/", name="login page", catch_response=True) as page:
            token = CSRF.search(page.text or "")
            if page.status_code != 200 or token is None:
                page.failure(f"login page: {status(page)}, no CSRF token")
                return
        with self.client.post(
            "/login/",
            {"username": self.username, "password": password, "csrfmiddlewaretoken": token[1]},
            name="log in (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or answer.headers.get("Location") != "/":
                answer.failure(f"log in as {self.username}: {status(answer)}")

    def page(self, url: str, name: str, headers: dict[str, str] | None = None) -> str:
        """GET an HTML page (or, with htmx's headers, its results part) and check it."""
        with self.client.get(url, name=name, headers=headers, catch_response=True) as answer:
            body = answer.text or ""
            if answer.status_code != 200:
                answer.failure(f"{url}: {status(answer)}")
            elif headers is None and "</html>" not in body:
                answer.failure(f"{url}: the page does not end")
            elif "/login/?next=" in answer.url:
                answer.failure(f"{url}: sent to the login page")
        return body


class Viewer(Visitor):
    """Browses and searches."""

    role = "viewer"
    wait_time = between(2, 6)

    @task(3)
    def overview(self) -> None:
        self.page("/", "overview")

    @task(3)
    def components(self) -> None:
        self.page(random.choice(COMPONENT_LISTS), "components list (filters)")

    @task(2)
    def search_components(self) -> None:
        self.page(
            f"/components/?q={random.choice(SEARCHES)}", "components search (htmx)", headers=HX
        )

    @task(3)
    def deviations(self) -> None:
        self.page(random.choice(DEVIATION_LISTS), "deviations list (filters)")

    @task(2)
    def search_deviations(self) -> None:
        word = random.choice(SEARCHES)
        self.page(f"/deviations/?q={word}&kind=overlay", "deviations search")
        self.page(f"/deviations/?q={word}", "deviations search (htmx)", headers=HX)

    @task(4)
    def component(self) -> None:
        name = random.choice(CUSTOMIZED if random.random() < 0.6 else COMPONENTS)
        self.page(component_url(name), "component")

    @task(4)
    def deviation(self) -> None:
        self.page(f"/deviations/{random.choice(DEVIATIONS)}/", "deviation")

    @task(2)
    def audit(self) -> None:
        self.page(random.choice(AUDIT_LOGS), "audit log")

    @task(1)
    def sync_runs(self) -> None:
        self.page("/sync/", "sync runs")


class Reviewer(Visitor):
    """Works the review queue: reads a deviation's review page and decides on it."""

    role = "reviewer"
    wait_time = between(4, 10)

    def on_start(self) -> None:
        super().on_start()
        self.decide()  # what they came for

    @task(2)
    def queue(self) -> None:
        self.page(f"/reviews/?page={random.randint(1, 3)}", "review queue")

    @task(1)
    def deviation(self) -> None:
        self.page(f"/deviations/{random.choice(DEVIATIONS)}/", "deviation")

    @task(5)
    def decide(self) -> None:
        queue = self.page("/reviews/", "review queue")
        waiting = [int(pk) for pk in DEVIATION_LINK.findall(queue)]
        pk = random.choice(waiting or DEVIATIONS)
        approve = random.random() < 0.8
        for attempt in range(3):  # a 409 sends the reviewer back to read it again
            if self.decide_once(pk, approve, again=attempt > 0):
                return

    def decide_once(self, pk: int, approve: bool, again: bool) -> bool:
        """Read the review page and post its form; False when the answer was a 409."""
        url = f"/deviations/{pk}/review/"
        name = "review page (read again after 409)" if again else "review page"
        with self.client.get(url, name=name, catch_response=True) as page:
            body = page.text or ""
            csrf, fingerprint, effect = (p.search(body) for p in (CSRF, FINGERPRINT, EFFECT))
            if page.status_code != 200 or csrf is None or fingerprint is None or effect is None:
                page.failure(f"{url}: {status(page)}, without the decision form")
                return True
        form = {
            "csrfmiddlewaretoken": csrf[1],
            "fingerprint": fingerprint[1],
            "effect_hash": effect[1] or "",
            "decision": "approved" if approve else "changes-requested",
            "comment": "" if approve else f"Load test: {self.username} asks for a comment.",
        }
        name = "decide: approve (POST)" if approve else "decide: request changes (POST)"
        with self.client.post(
            url, form, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code == 302 and answer.headers.get("Location", "").startswith(
                f"/deviations/{pk}/"
            ):
                return True
            if answer.status_code == 409 and "changed since you read it" in (answer.text or ""):
                # The refusal the rule owes (and says why): counted on its own line.
                answer.request_meta["name"] = "decide: 409, changed since read (POST)"
                answer.success()
                return False
            answer.failure(f"{url}: decision answered {status(answer)}")
            return True


class Auditor(Visitor):
    """Reads the trail and exports CSV."""

    role = "auditor"
    wait_time = between(5, 15)

    def on_start(self) -> None:
        super().on_start()
        self.export()  # what they came for

    @task(2)
    def audit(self) -> None:
        self.page(random.choice(AUDIT_LOGS), "audit log")

    @task(3)
    def export(self) -> None:
        name, url = random.choice(EXPORTS)
        with self.client.get(url, name=name, catch_response=True) as answer:
            kind = answer.headers.get("Content-Type", "")
            if answer.status_code != 200 or not kind.startswith("text/csv"):
                answer.failure(f"{url}: {status(answer)} {kind}")
            elif b"," not in (answer.content or b"").split(b"\n", 1)[0]:
                answer.failure(f"{url}: no CSV header")


class Floor(HttpUser):
    """The login page, anonymous: the floor every other page is measured against."""

    fixed_count = 1
    wait_time = between(1, 2)

    @task
    def login_page(self) -> None:
        with self.client.get("/login/", name="login page (floor)", catch_response=True) as page:
            if page.status_code != 200 or "</html>" not in (page.text or ""):
                page.failure(f"login page: {status(page)}")


# Each kind of user as many times as bench/load.py made accounts for it.
Viewer.fixed_count = len(TARGETS["accounts"]["viewer"])
Reviewer.fixed_count = len(TARGETS["accounts"]["reviewer"])
Auditor.fixed_count = len(TARGETS["accounts"]["auditor"])
