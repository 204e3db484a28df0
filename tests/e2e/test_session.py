"""End-to-end: the site's idle lock, in a workspace whose policy locks after 8 s."""
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import create_demo, edit_workspace, start_app, start_driver
from test_desktop import PASSWORD, click, login, open_patient, shot, wait


@pytest.fixture(scope="module")
def strict_site():
    db, accounts = create_demo(3, "meridian-e2e-idle-")
    edit_workspace(db, lambda c: c.update(policy={"idle_timeout_secs": 8}))
    url, proc = start_driver(db)
    yield url, accounts
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def strict_app(strict_site):
    driver = start_app(strict_site[0])
    yield driver
    driver.quit()


def test_idle_timeout_locks_the_screen_and_keeps_typed_text(strict_app, strict_site):
    _, accounts = strict_site
    app = strict_app
    login(app, accounts, "dr.rao")
    row = wait(app, "[data-testid=patient-table] tbody tr")
    family, given = [part.strip().lower() for part in row.find_element(By.CSS_SELECTOR, "td").get_attribute("textContent").split(",", 1)]
    open_patient(app, f"{family} {given.split()[0]}")
    click(app, "#tab-notes")
    wait(app, "[data-testid=note-editor]")
    click(app, xpath="//button[starts-with(normalize-space(.), 'New progress note')]")
    app.find_element(By.CSS_SELECTOR, "#note-text").send_keys("Typed before stepping away.")
    # Nobody touches the keyboard or mouse: the lock screen comes by itself.
    started = time.time()
    wait(app, "#unlock-password", timeout=30)
    assert time.time() - started >= 7, "not before the site's timeout"
    shot(app, "15-idle-locked")
    app.find_element(By.CSS_SELECTOR, "#unlock-password").send_keys(PASSWORD)
    click(app, "[role=dialog] button[type=submit]")
    WebDriverWait(app, 20).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#unlock-password"))
    assert "Typed before stepping away." in app.find_element(By.CSS_SELECTOR, "#note-text").get_attribute("value")
    # The session works again: the draft saves.
    click(app, "#save-note")
    WebDriverWait(app, 20).until(lambda d: "draft" in (d.find_element(By.CSS_SELECTOR, "[data-testid=note-status]").get_attribute("textContent") or "").lower())
