"""End-to-end: the desktop app syncing with a real FHIR server (Helios hfs).

The app starts with a demo hospital whose workspace names the server; it pushes everything,
says so in the status line, then a note is edited both in the app and on the server. The chart
shows both versions side by side; the physician keeps the workstation's, and afterwards the
server holds it and the status line shows nothing waiting.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import create_demo, edit_workspace, free_port, start_app, start_driver
from test_desktop import click, login, open_patient, shot, wait, wait_text

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MERIDIAN_SHARED", ROOT.parent / "shared"))


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/fhir+json", "Content-Type": "application/fhir+json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers), json.loads(r.read() or b"null")


@pytest.fixture(scope="module")
def fhir_server():
    hfs = os.environ.get("MERIDIAN_HFS") or shutil.which("hfs") or str(Path.home() / ".cargo/bin/hfs")
    data = Path(tempfile.mkdtemp(prefix="meridian-hfs-"))
    shutil.copy(SHARED / "fhir/search-parameters-r4.json", data / "search-parameters-r4.json")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HFS_SERVER_PORT=str(port), HFS_DATA_DIR=str(data), DATABASE_URL=str(data / "fhir.db"), HFS_BASE_URL=base)
    proc = subprocess.Popen([hfs], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=data)
    deadline = time.time() + 60
    while True:
        try:
            http("GET", base + "/metadata")
            break
        except Exception:  # noqa: BLE001 - not up yet
            assert time.time() < deadline, "the FHIR server did not start"
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def synced(fhir_server):
    """A small demo hospital configured to sync with the server every 5 s."""
    db, accounts = create_demo(4, "meridian-e2e-sync-")
    subprocess.run([os.environ["MERIDIAN_BIN"], "--db", str(db), "sync", "configure", "--server", fhir_server], check=True, capture_output=True)
    edit_workspace(db, lambda c: c["sync"].update(interval_secs=5))
    return db, accounts


@pytest.fixture(scope="module")
def sync_driver(synced):
    url, proc = start_driver(synced[0])
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def sync_app(sync_driver):
    driver = start_app(sync_driver)
    yield driver
    driver.quit()


def status_text(driver):
    return (driver.find_element(By.CSS_SELECTOR, "[data-testid=sync-status]").get_attribute("textContent") or "").lower()


def wait_status(driver, *parts, timeout=180):
    WebDriverWait(driver, timeout, poll_frequency=1).until(lambda d: all(p in status_text(d) for p in parts))
    return status_text(driver)


def test_a_conflict_is_shown_side_by_side_and_settled(sync_app, synced, fhir_server):
    _, accounts = synced
    app = sync_app
    login(app, accounts, "dr.rao")
    # The demo hospital reaches the server; the status line says so.
    wait_status(app, "sync: online", "0 changes waiting")
    shot(app, "10-sync-online")

    # A draft note, synced.
    row = wait(app, "[data-testid=patient-table] tbody tr")
    family, given = [part.strip().lower() for part in row.find_element(By.CSS_SELECTOR, "td").get_attribute("textContent").split(",", 1)]
    name = f"{family} {given.split()[0]}"
    open_patient(app, name)
    click(app, "#tab-notes")
    wait(app, "[data-testid=note-editor]")
    click(app, xpath="//button[starts-with(normalize-space(.), 'New progress note')]")
    title = app.find_element(By.CSS_SELECTOR, "#note-title")
    title.clear()
    title.send_keys("E2E sync draft")
    app.find_element(By.CSS_SELECTOR, "#note-text").send_keys("Walking with a frame.")
    click(app, "#save-note")
    wait_text(app, "[data-testid=note-status]", "draft")

    # The draft reaches the server (pushed half a second after the save), exactly once.
    def drafts():
        _, _, found = http("GET", fhir_server + "/DocumentReference?_count=1000")
        return [e["resource"] for e in (found or {}).get("entry", []) if e["resource"].get("description") == "E2E sync draft"]
    deadline = time.time() + 60
    while not drafts():
        assert time.time() < deadline, "the draft did not reach the server"
        time.sleep(1)
    entries = drafts()
    assert len(entries) == 1, "the draft reached the server exactly once"
    wait_status(app, "sync: online", "0 changes waiting", timeout=60)

    # The hospital EHR edits the same note on the server...
    doc = entries[0]
    doc["description"] = "E2E sync draft (edited in the hospital EHR)"
    http("PUT", f"{fhir_server}/DocumentReference/{doc['id']}", doc, {"If-Match": f'W/"{doc["meta"]["versionId"]}"'})

    # ... and the physician edits it here.
    text = app.find_element(By.CSS_SELECTOR, "#note-text")
    text.send_keys(" Pain controlled.")
    click(app, "#save-note")
    wait_status(app, "1 conflict", timeout=60)
    shot(app, "11-sync-conflict-status")

    # Reopening the chart shows both versions side by side.
    app.find_element(By.CSS_SELECTOR, "body").send_keys("\ue00c")  # Escape: home
    open_patient(app, name)
    panel = wait(app, "[data-testid=conflict]")
    content = panel.get_attribute("textContent")
    assert "edited in the hospital EHR" in content and "Title" in content and "Note changed" in content, content
    assert "Walking with a frame. Pain controlled." in content, "the note's words are shown, not their encoding" 
    shot(app, "12-sync-conflict")
    click(app, "[data-testid=keep-local]")
    wait_text(app, "[data-testid=notice]", "kept this workstation")
    wait_status(app, "sync: online", "0 changes waiting", timeout=60)
    assert "conflict" not in status_text(app)

    # Both sides agree: the server holds the workstation's version.
    _, _, now = http("GET", f"{fhir_server}/DocumentReference/{doc['id']}")
    assert now["description"] == "E2E sync draft", now.get("description")
    shot(app, "13-sync-settled")


def test_a_note_deleted_on_the_server_keeps_what_was_typed(sync_app, synced, fhir_server):
    """A record deleted underneath (here by the hospital, arriving through sync): saving says
    so and the typed text stays on screen to be copied elsewhere."""
    _, accounts = synced
    app = sync_app
    login(app, accounts, "dr.rao")
    row = wait(app, "[data-testid=patient-table] tbody tr")
    family, given = [part.strip().lower() for part in row.find_element(By.CSS_SELECTOR, "td").get_attribute("textContent").split(",", 1)]
    open_patient(app, f"{family} {given.split()[0]}")
    click(app, "#tab-notes")
    wait(app, "[data-testid=note-editor]")
    click(app, xpath="//button[starts-with(normalize-space(.), 'New progress note')]")
    title = app.find_element(By.CSS_SELECTOR, "#note-title")
    title.clear()
    title.send_keys("E2E deleted draft")
    app.find_element(By.CSS_SELECTOR, "#note-text").send_keys("First line.")
    click(app, "#save-note")
    wait_text(app, "[data-testid=note-status]", "draft")

    def draft():
        _, _, found = http("GET", fhir_server + "/DocumentReference?_count=1000")
        hits = [e["resource"] for e in (found or {}).get("entry", []) if e["resource"].get("description") == "E2E deleted draft"]
        return hits[0] if hits else None
    deadline = time.time() + 60
    while not draft():
        assert time.time() < deadline, "the draft did not reach the server"
        time.sleep(1)
    doc = draft()
    status, _, _ = http("DELETE", f"{fhir_server}/DocumentReference/{doc['id']}")
    assert status in (200, 204)
    # The next pull applies the deletion here (every 5 s).
    time.sleep(12)
    text = app.find_element(By.CSS_SELECTOR, "#note-text")
    text.send_keys(" Second line, typed after the deletion.")
    click(app, "#save-note")
    wait_text(app, "[data-testid=note-error], [data-testid=notice]", "deleted since you opened it")
    assert "Second line, typed after the deletion." in app.find_element(By.CSS_SELECTOR, "#note-text").get_attribute("value")
    shot(app, "14-deleted-underneath")
