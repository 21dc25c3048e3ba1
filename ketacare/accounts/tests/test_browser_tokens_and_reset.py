"""The API-token page and the password-reset link in a real Chromium, with the keyboard and at 320 px
(the fixture fails on any console error, CSP violations included)."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_staff
from ketacare.accounts.tests.test_browser import PASSWORD, log_in, shot

pytestmark = pytest.mark.browser
NEW_PASSWORD = "quiet meadow lantern 42"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"
    )


def second_factor(page, device: TOTPDevice) -> None:
    page.get_by_label("6-digit code").fill(code(device))
    page.get_by_role("button", name="Continue").click()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_nurse_creates_and_revokes_a_token_with_the_keyboard_at_phone_width(browser_page, settings) -> None:
    from ketacare.accounts.models import ApiToken, Clinic

    settings.REQUIRE_MFA = True
    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse")
    device = TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)
    page.set_viewport_size({"width": 320, "height": 720})

    log_in(page, "nurse", PASSWORD)
    second_factor(page, device)
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/accounts/tokens/")
    assert no_sideways_scroll(page)

    page.get_by_label("Name").focus()
    page.keyboard.type("Ward tablet 3")
    page.keyboard.press("Tab")  # to the lifetime, filled in with the policy's maximum
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    page.keyboard.type("000000" if code(device, 1) != "000000" else "111111")  # a wrong code
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.evaluate("e => e === document.activeElement")  # the error summary takes focus
    assert page.get_by_text("Enter the current code from your authenticator app.").first.is_visible()
    assert not ApiToken.objects.exists()

    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code
    page.get_by_label("Current code from your authenticator app").fill(code(device, 1))
    page.get_by_label("Current code from your authenticator app").press("Enter")
    secret_box = page.get_by_label("Token", exact=True)
    secret_box.wait_for()
    secret = secret_box.input_value()
    assert secret.startswith("kc_") and ApiToken.objects.get().name == "Ward tablet 3"
    assert no_sideways_scroll(page)
    shot(page, "tokens-created-320")

    revoke = page.get_by_role("button", name="Revoke token Ward tablet 3")
    revoke.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messages").get_by_text("revoked: it no longer works").is_visible()
    assert page.get_by_test_id("own-tokens").get_by_text("Revoked").is_visible()
    assert ApiToken.objects.get().revoked_at is not None
    assert page.get_by_label("Token", exact=True).count() == 0  # the secret is never shown again
    shot(page, "tokens-revoked-320")


def test_an_administrator_hands_over_a_reset_link_and_the_nurse_sets_a_password_then_still_needs_her_code(
    browser_page, settings
) -> None:
    from ketacare.accounts.models import Clinic

    settings.REQUIRE_MFA = True
    page = browser_page
    clinic = Clinic.objects.create(name="Riverside Recovery Clinic", slug="riverside")
    admin = make_staff("clinicadmin", clinic, "clinic_admin")
    admin_device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    nurse = make_staff("nurse", clinic, "nurse", licence="registered_nurse")
    nurse_device = TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)

    log_in(page, "clinicadmin", PASSWORD)
    second_factor(page, admin_device)
    page.get_by_role("link", name="Staff").first.click()
    page.get_by_role("link", name="Reset password: Nurse").click()
    page.get_by_role("button", name="Issue a one-time link").click()
    link = page.get_by_label("One-time link").input_value()
    assert "/accounts/reset/" in link
    page.set_viewport_size({"width": 320, "height": 720})
    assert no_sideways_scroll(page)
    shot(page, "reset-link-issued-320")
    page.get_by_role("button", name="Log out").click()

    page.goto(link)
    page.get_by_label("New password", exact=False).first.fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Set password").click()
    assert page.locator("#id_password_error").get_by_text("This password is too short").is_visible()
    assert no_sideways_scroll(page)
    shot(page, "reset-refused-320")
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_label("New password again").press("Enter")
    page.wait_for_url("**/accounts/login/")
    assert page.get_by_text("New password set for nurse").is_visible()

    log_in(page, "nurse", NEW_PASSWORD)
    page.wait_for_url("**/accounts/two-factor/**")  # the second factor still applies
    second_factor(page, nurse_device)
    page.wait_for_url("**/dosing/today/")

    page.goto(link)  # the link worked once
    assert page.get_by_role("heading", name="This link cannot be used").is_visible()
    page.console_errors.remove("Failed to load resource: the server responded with a status of 410 (Gone)")
