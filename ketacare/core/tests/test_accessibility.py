"""WCAG 2.2 AA as a tested property of the whole product (docs/accessibility.md).

One browser logs in as every role of the demo clinic, CRAWLS every page that role can reach by
following the product's own links (so a page added tomorrow is checked the day it lands), and runs
axe-core (bundled by the pinned axe-playwright-python) at desktop and at phone width. Each form on
those pages is also sent empty, and the error state is checked the same way. Checks axe does not make
are added: the page reflows at 320 px, the error summary takes focus, the title says "Error:".
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from ketacare.demo import DEMO_PASSWORD, build_demo_clinic
from ketacare.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# The phone width has the same document with other CSS: run again only the rules that depend on layout.
LAYOUT_RULES = [
    "color-contrast",
    "target-size",
    "scrollable-region-focusable",
    "link-in-text-block",
    "css-orientation-lock",
]
AXE_PHONE_OPTIONS = {"runOnly": {"type": "rule", "values": LAYOUT_RULES}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1280, "height": 900}
# WCAG 1.4.10 Reflow: 320 CSS px wide without scrolling in two directions.
PHONE = {"width": 320, "height": 720}
# The role with the most actions first: later roles' pages are checked where their pattern is new.
ROLES = ["prescriber", "nurse", "clinicadmin", "therapist", "researcher", "patient", "outsider"]

# Links the crawler does not follow, and why (docs/accessibility.md):
NOT_CRAWLED = re.compile(
    r"""
      /accounts/logout/          # ends the crawl's own session
    | /api/                      # the API and its Swagger UI: for integrators, see docs/accessibility.md
    | \.(csv|json|pdf|zip)$      # downloads, not pages
    | /export                    # downloads, not pages
    | /fhir/
    """,
    re.VERBOSE,
)

_AXE = Axe()
BEHIND_GET_FORMS: dict[str, list[str]] = {role: [] for role in ROLES}


def url_pattern(url: str) -> str:
    """/patients/12/edit/?tab=x&page=2 -> /patients/N/edit/?page&tab: one patient stands for all."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    forms: int = 0
    axe_runs: int = 0
    checked: set[str] = field(default_factory=set)

    def axe(self, page: Any, where: str, options: dict[str, Any]) -> None:
        self.axe_runs += 1
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(_AXE.axe_script)
        result = page.evaluate("options => axe.run(document, options)", options)
        for violation in result["violations"]:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            self.problems.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} "
                f"[{len(violation['nodes'])}x: {targets}]"
            )

    def reflows(self, page: Any, where: str) -> None:
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            self.problems.append(f"{where}: scrolls sideways by {wide}px at {PHONE['width']}px")

    def check_both_widths(self, page: Any, where: str) -> None:
        self.axe(page, f"{where} @desktop", AXE_OPTIONS)
        page.set_viewport_size(PHONE)
        self.axe(page, f"{where} @phone", AXE_PHONE_OPTIONS)
        self.reflows(page, where)
        page.set_viewport_size(DESKTOP)


LINKS_JS = """
() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download') && a.origin === location.origin)
  .map(a => a.href.split('#')[0])
"""

# Forms that can be sent empty safely: POST forms with a visible required field (the server must
# refuse them). Forms without one (log out, sign, acknowledge) would change state and are not sent.
FORMS_JS = """
() => Array.from(document.forms).map((f, i) => ({
  index: i,
  action: f.action,
  post: (f.method || '').toLowerCase() === 'post',
  // An htmx form answers in place, not with a new page: its errors are checked by the keyboard tests.
  htmx: f.hasAttribute('hx-post'),
  // A range input always has a value: a form with only those cannot be sent empty.
  required: Array.from(f.elements).some(
    e => e.required && !['hidden', 'range'].includes(e.type) && !e.disabled),
}))
"""

EMPTY_AND_SEND_JS = """
(index) => {
  const form = document.forms[index];
  form.noValidate = true;
  for (const e of form.elements) {
    if (e.type === 'hidden' || e.disabled) continue;
    if (e.type === 'checkbox' || e.type === 'radio') e.checked = false;
    else if (e.tagName === 'SELECT') e.selectedIndex = -1;
    else if (e.tagName === 'TEXTAREA' || (e.tagName === 'INPUT' && !['submit', 'button'].includes(e.type)))
      e.value = '';
  }
  form.requestSubmit();
}
"""


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def crawl(page: Any, base: str, starts: list[str]) -> Iterator[str]:
    """Every same-origin page reachable from `starts` by links, one URL per pattern."""
    seen = {url_pattern(start) for start in starts}
    queue = [base + start for start in starts]
    while queue:
        url = queue.pop(0)
        response = page.goto(url)
        yield url if response is None or response.status < 400 else f"!{response.status} {url}"
        for href in page.evaluate(LINKS_JS):
            path = href[len(base) :] if href.startswith(base) else href
            if NOT_CRAWLED.search(urlsplit(path).path) or url_pattern(path) in seen:
                continue
            seen.add(url_pattern(path))
            queue.append(href)


def check_forms(page: Any, url: str, findings: Findings, sent: set[str], role: str) -> None:
    page.goto(url)
    url = page.url
    for form in page.evaluate(FORMS_JS):
        if not (form["post"] and form["required"]) or form["htmx"]:
            continue
        key = f"{url_pattern(url)} -> {url_pattern(form['action'])}"
        if key in sent or NOT_CRAWLED.search(urlsplit(form["action"]).path):
            continue
        sent.add(key)
        findings.forms += 1
        with page.expect_navigation():
            page.evaluate(EMPTY_AND_SEND_JS, form["index"])
        where = f"{role} form {key} sent empty"
        summary = page.locator(".error-summary")
        if summary.count() != 1:
            findings.problems.append(f"{where}: no error summary (now at {page.url})")
        elif not page.evaluate("document.activeElement.classList.contains('error-summary')"):
            findings.problems.append(f"{where}: the error summary does not have focus")
        if not page.title().startswith("Error:"):
            findings.problems.append(f"{where}: title {page.title()!r} does not start with 'Error:'")
        findings.check_both_widths(page, where)
        page.goto(url)


def test_every_page_of_every_role_meets_wcag_22_aa_at_desktop_and_phone_width(
    browser_page: Any, live_server: Any
) -> None:
    built = time.monotonic()
    build_demo_clinic()
    print(f"accessibility: demo clinic built in {time.monotonic() - built:.0f}s")
    weighed = Patient.objects.filter(clinic__slug="riverside").order_by("pk").first()
    assert weighed is not None
    # Pages only a GET form reaches (no link leads there): a dose plan with its chart.
    BEHIND_GET_FORMS["prescriber"] = [
        f"/dosing/patients/{weighed.pk}/plan/?route=iv-infusion&dose=0.60&unit=mg%2Fkg&salt=base"
        "&duration_min=50&loading_dose=0.11&loading_duration_min=2"
    ]
    browser = browser_page.context.browser
    findings = Findings()
    sent: set[str] = set()
    started = time.monotonic()
    for url in list(
        _crawl_checked(browser_page, live_server.url, "anonymous", findings, ["/accounts/login/"])
    ):
        check_forms(browser_page, url, findings, sent, "anonymous")
    for role in ROLES:
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
        page = context.new_page()
        page.on("pageerror", lambda exc: browser_page.console_errors.append(str(exc)))
        log_in(page, role)
        pages = list(_crawl_checked(page, live_server.url, role, findings, ["/", *BEHIND_GET_FORMS[role]]))
        for url in pages:
            check_forms(page, url, findings, sent, role)
        context.close()
    elapsed = time.monotonic() - started
    print(
        f"accessibility: {findings.pages} pages, {findings.forms} forms sent empty, "
        f"{findings.axe_runs} axe runs in {elapsed:.0f}s"
    )
    if findings.problems:
        pytest.fail("\n".join(findings.problems), pytrace=False)


def _crawl_checked(page: Any, base: str, role: str, findings: Findings, start: str = "/") -> Iterator[str]:
    for url in crawl(page, base, start):
        if url.startswith("!"):
            findings.problems.append(f"{role}: a link leads to an error page {url[1:]}")
            continue
        findings.pages += 1
        # One check per page pattern: the roles that share a page share its template.
        if url_pattern(page.url) not in findings.checked:
            findings.checked.add(url_pattern(page.url))
            findings.check_both_widths(page, f"{role} {url[len(base) :]}")
            yield url
