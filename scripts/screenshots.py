"""Take the screenshots in docs/screenshots from a running demo (`make run PORT=8765`).

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8765]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def session(username: str, width: int = 1280, height: int = 860):  # type: ignore[no-untyped-def]
            page = browser.new_context(base_url=BASE, viewport={"width": width, "height": height}).new_page()
            page.goto("/accounts/login/")
            page.screenshot(path=str(OUT / "login.png")) if username == "nurse" else None
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill("ketacare-demo")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            return page

        nurse = session("nurse")
        nurse.screenshot(path=str(OUT / "patient-list.png"), full_page=True)
        nurse.get_by_role("link").filter(has_text=",").nth(1).click()
        nurse.wait_for_load_state()
        nurse.screenshot(path=str(OUT / "patient-record.png"), full_page=True)
        nurse.get_by_role("link", name="Record weight").click()
        nurse.get_by_label("Weight (kg)").fill("7")
        nurse.get_by_role("button", name="Save").click()
        nurse.wait_for_load_state()
        nurse.screenshot(path=str(OUT / "weight-refused.png"), full_page=True)
        # The same refusal on a phone: the error summary has focus and links to the field.
        nurse.set_viewport_size({"width": 375, "height": 812})
        nurse.screenshot(path=str(OUT / "weight-refused-phone.png"), full_page=True)
        nurse.set_viewport_size({"width": 1280, "height": 860})

        nurse.goto("/outcomes/worklist/")
        nurse.screenshot(path=str(OUT / "worklist.png"), full_page=True)
        nurse.goto("/outcomes/patients/2/")
        nurse.screenshot(path=str(OUT / "patient-outcomes.png"), full_page=True)
        # Dakwar's protocol: 0.11 mg/kg over 2 min, then 0.60 mg/kg over 50 min.
        nurse.goto(
            "/dosing/patients/2/plan/?route=iv-infusion&dose=0.60&unit=mg%2Fkg&salt=base&duration_min=50"
            "&loading_dose=0.11&loading_duration_min=2"
        )
        nurse.screenshot(path=str(OUT / "dose-plan.png"), full_page=True)
        nurse.goto("/dosing/patients/2/sessions/")
        nurse.screenshot(path=str(OUT / "dosing-sessions.png"), full_page=True)
        nurse.get_by_test_id("sessions").locator("tbody a").first.click()
        nurse.wait_for_load_state()
        nurse.screenshot(path=str(OUT / "dosing-session.png"), full_page=True)

        researcher = session("researcher")
        researcher.goto("/research/")
        researcher.screenshot(path=str(OUT / "programme-outcomes.png"), full_page=True)

        admin = session("clinicadmin")
        admin.goto("/accounts/staff/")
        admin.screenshot(path=str(OUT / "staff-credentials.png"), full_page=True)
        admin.goto("/audit/")
        admin.screenshot(path=str(OUT / "audit-trail.png"))

        patient = session("patient", width=390, height=844)
        patient.goto("/patients/me/")
        patient.screenshot(path=str(OUT / "patient-portal-phone.png"), full_page=True)
        patient.goto("/outcomes/me/")
        patient.screenshot(path=str(OUT / "patient-check-in-phone.png"), full_page=True)

        outsider = session("outsider")
        outsider.goto("/patients/1/")
        outsider.screenshot(path=str(OUT / "other-clinic-404.png"))
        browser.close()


if __name__ == "__main__":
    main()
