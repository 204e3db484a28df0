"""The real desktop app under Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver).

Environment (scripts/e2e sets these): MERIDIAN_BIN (the `meridian` CLI), MERIDIAN_DESKTOP (the
desktop binary), DISPLAY (an Xvfb display), E2E_OUT (where screenshots go).
"""
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

OUT = Path(os.environ.get("E2E_OUT", "tests/e2e/out"))


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), independent of Meridian's implementation."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def screenshot(name: str):
    """Captures the X display the app runs on (Xvfb, no window manager: the window fills it)
    into OUT/name.png: what a user sees, composed by the X server. WebDriver's own screenshot
    waits for a compositing frame that a webview painting in software never produces."""
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(OUT / f"{name}.png")], check=True, timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_demo(patients: int, prefix: str = "meridian-e2e-"):
    """A demo hospital in a fresh encrypted database; returns (db path, accounts)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    db = tmp / "demo.db"
    out = subprocess.run(
        [os.environ["MERIDIAN_BIN"], "--db", str(db), "demo", "--patients", str(patients)],
        check=True, capture_output=True, text=True,
    ).stdout
    accounts = parse_accounts(out)
    assert "dr.rao" in accounts and "pharm.silva" in accounts and "admin.root" in accounts, out
    return db, accounts


def parse_accounts(out):
    """The accounts `meridian demo` prints: username, role and TOTP secret."""
    accounts = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and "." in parts[0]:
            accounts[parts[0]] = {"role": parts[1], "secret": parts[2]}
    return accounts


def edit_workspace(db, change):
    """Applies `change` to the workspace file beside the database (site settings)."""
    path = Path(str(db) + ".meridian.json")
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))


def start_driver(db):
    """tauri-driver serving apps on `db`; returns (url, process)."""
    port, native = free_port(), free_port()
    env = dict(os.environ, MERIDIAN_DB=str(db))
    proc = subprocess.Popen(
        [os.environ.get("TAURI_DRIVER", "tauri-driver"), "--port", str(port), "--native-port", str(native)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    return f"http://127.0.0.1:{port}", proc


def start_app(server):
    """A fresh app process (and so a fresh login screen)."""
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": os.environ["MERIDIAN_DESKTOP"]})
    driver = new_session(server, options, attempts=20)
    driver.implicitly_wait(0)
    OUT.mkdir(parents=True, exist_ok=True)
    return driver


@pytest.fixture(scope="session")
def demo():
    return create_demo(24)


@pytest.fixture(scope="session")
def driver_server(demo):
    url, proc = start_driver(demo[0])
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def app(driver_server):
    """A fresh app process (and so a fresh login screen) per test."""
    driver = start_app(driver_server)
    yield driver
    driver.quit()


def new_session(server, options, attempts=5):
    """tauri-driver accepts connections before WebKitWebDriver is ready; retry briefly."""
    for attempt in range(attempts):
        try:
            return webdriver.Remote(command_executor=server, options=options)
        except Exception:  # noqa: BLE001 - retried, then re-raised
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps a screenshot of the window whenever a test fails."""
    outcome = yield
    report = outcome.get_result()
    driver = item.funcargs.get("app") or item.funcargs.get("sync_app") or item.funcargs.get("strict_app") or item.funcargs.get("imaging_app")
    if report.when == "call" and report.failed and driver is not None:
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            screenshot(f"FAILED-{item.name}")
        except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
            pass
