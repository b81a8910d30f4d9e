"""The dashboard's door in real Chromium: login, page guard, logout; every page renders without errors."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import RevokedToken
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

PASSWORD = factories.DEFAULT_PASSWORD


def sign_in(page, username, password=PASSWORD):
    page.goto("/dashboard/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')


def test_an_unauthenticated_page_redirects_to_the_login_form(page):
    page.goto("/dashboard/tickets")
    assert "/dashboard/login" in page.url
    assert page.locator('input[name="username"]').is_visible()


def test_a_wrong_password_shows_an_error_and_keeps_no_session(page, screenshot, console_errors):
    console_errors.allow("status of 401")
    factories.operator(username="giulia")
    db.session.commit()
    sign_in(page, "giulia", "wrong-password")
    assert page.get_by_role("alert").inner_text() == "Nome utente o password non validi."
    assert not [c for c in page.context.cookies() if c["name"] == "access_token_cookie"]
    screenshot("login-error")


def test_login_sets_an_httponly_strict_cookie_and_opens_the_queue(page, screenshot):
    factories.operator(username="marta")
    db.session.commit()
    sign_in(page, "marta")
    page.wait_for_url("**/dashboard/")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["access_token_cookie"]["httpOnly"] is True
    assert cookies["access_token_cookie"]["sameSite"] == "Strict"
    assert page.evaluate("() => Object.keys(localStorage).length") == 0
    assert page.locator('[data-testid="online-toggle"]').get_attribute("aria-checked") == "false"
    screenshot("home-empty")


def test_logout_revokes_the_token_and_clears_the_cookies(page):
    factories.operator(username="piero")
    db.session.commit()
    sign_in(page, "piero")
    page.wait_for_url("**/dashboard/")
    page.get_by_role("button", name="Esci").click()
    page.wait_for_url("**/dashboard/login")
    assert not [c for c in page.context.cookies() if c["name"] == "access_token_cookie"]
    assert db.session.query(RevokedToken).count() == 1
    page.goto("/dashboard/")
    assert "/dashboard/login" in page.url


def test_an_operator_does_not_see_admin_pages(page, console_errors):
    console_errors.allow("status of 403")
    factories.operator(username="sara")
    db.session.commit()
    sign_in(page, "sara")
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("link", name="Operatori").count() == 0
    response = page.goto("/dashboard/operators")
    assert response.status == 403
