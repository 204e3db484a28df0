"""End-to-end: a radiologist reads a CT in the real window, from a real PACS (Orthanc).

`meridian demo --pacs` stores a synthetic 40-slice chest CT of the first demo patient on Orthanc
(STOW-RS) and points the workspace at it (DICOMweb and DIMSE). In the app the radiologist finds
the patient by MRN, sees the study in the Imaging tab, retrieves it over DICOMweb, opens it
(drawn by wgpu, painted into the canvas), scrolls the stack with the wheel and the keyboard,
changes the window with a preset key and by right-dragging, measures a length, and retrieves the
study again over DIMSE (C-GET). Assertions are on what the reader sees: the overlay text, the
measurement, and the pixels of the canvas.
"""
import io
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pydicom
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import free_port, parse_accounts, start_app, start_driver, totp
from test_desktop import PASSWORD, click, login, open_patient, shot, wait, wait_text

PLUGINS = ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so", "/usr/share/orthanc/plugins/libOrthancGdcm.so"]


@pytest.fixture(scope="module")
def orthanc():
    d = Path(tempfile.mkdtemp(prefix="meridian-e2e-orthanc-"))
    (d / "db").mkdir()
    http, dicom, move_port = free_port(), free_port(), free_port()
    config = {
        "Name": "meridian-e2e", "HttpPort": http, "DicomPort": dicom, "DicomAet": "ORTHANC",
        "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
        "StorageDirectory": str(d / "db"), "IndexDirectory": str(d / "db"),
        "DicomModalities": {"MERIDIAN": ["MERIDIAN", "127.0.0.1", move_port]},
        "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "DicomCheckCalledAet": True,
        "Plugins": PLUGINS, "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
    }
    (d / "orthanc.json").write_text(json.dumps(config))
    log = open(d / "orthanc.log", "wb")
    proc = subprocess.Popen(["Orthanc", str(d / "orthanc.json")], stdout=log, stderr=log)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{http}/system", timeout=2).read()
            break
        except Exception:  # noqa: BLE001 - not up yet
            assert proc.poll() is None and time.time() < deadline, f"Orthanc did not start; see {d}/orthanc.log"
            time.sleep(0.2)
    yield {"dicomweb": f"http://127.0.0.1:{http}/dicom-web/", "dimse": f"127.0.0.1:{dicom}", "move_port": move_port}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def imaging_demo(orthanc):
    """A 4-patient demo hospital whose first patient has a CT on the PACS."""
    db = Path(tempfile.mkdtemp(prefix="meridian-e2e-imaging-")) / "demo.db"
    out = subprocess.run(
        [os.environ["MERIDIAN_BIN"], "--db", str(db), "demo", "--patients", "4", "--pacs", orthanc["dicomweb"],
         "--pacs-dimse", orthanc["dimse"], "--pacs-aet", "ORTHANC", "--pacs-move-port", str(orthanc["move_port"]),
         "--imaging-patients", "1"],
        check=True, capture_output=True, text=True,
    ).stdout
    accounts = parse_accounts(out)
    mrn = re.search(r"imaging: a CT study of each of (\S+) on the PACS", out).group(1)
    return db, accounts, mrn


@pytest.fixture(scope="module")
def imaging_driver(imaging_demo):
    url, proc = start_driver(imaging_demo[0])
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def imaging_app(imaging_driver):
    driver = start_app(imaging_driver)
    yield driver
    driver.quit()


def pixel(driver, x, y):
    """The canvas pixel the reader sees at (x, y): [r, g, b, a]."""
    return driver.execute_script(
        "return Array.from(document.querySelector('[data-testid=viewer-canvas]').getContext('2d').getImageData(arguments[0], arguments[1], 1, 1).data)",
        x, y)


def drawn(driver):
    return int(driver.find_element(By.CSS_SELECTOR, "[data-testid=viewer]").get_attribute("data-drawn") or 0)


def wait_drawn(driver, after):
    """Waits until the viewer has painted a frame after `after` paints and none is pending."""
    WebDriverWait(driver, 20).until(lambda d: drawn(d) > after)
    time.sleep(0.3)
    return drawn(driver)


def mouse(driver, kind, x, y, button=0, **extra):
    """A mouse event at canvas point (x, y) on the stage (what a pointing device sends)."""
    driver.execute_script(
        """const s = document.querySelector('.stage'); const r = s.getBoundingClientRect();
        const init = Object.assign({bubbles: true, cancelable: true, clientX: r.left + arguments[1], clientY: r.top + arguments[2], button: arguments[3]}, arguments[4]);
        s.dispatchEvent(arguments[0] === 'wheel' ? new WheelEvent('wheel', init) : new MouseEvent(arguments[0], init));""",
        kind, x, y, button, extra)


def test_a_radiologist_retrieves_scrolls_windows_and_measures(imaging_app, imaging_demo, orthanc):
    db, accounts, mrn = imaging_demo
    rest = orthanc["dicomweb"].removesuffix("dicom-web/")
    app = imaging_app
    login(app, accounts, "rad.okafor")
    open_patient(app, mrn)
    click(app, "#tab-imaging")
    row = wait_text(app, "[data-testid=study-images]", "40 on PACS")
    assert "CT" in wait(app, "[data-testid=studies] tbody tr").text
    shot(app, "20-imaging-study-list")

    click(app, "[data-testid=retrieve-dicomweb]")
    wait_text(app, "[data-testid=notice]", "Retrieved 40 images over DICOMweb", timeout=60)
    wait_text(app, "[data-testid=study-images]", "40 here")
    rows = app.find_elements(By.CSS_SELECTOR, "[data-testid=studies] tbody tr")
    assert len(rows) == 2 and "2025-11-15" in rows[1].text and "here" not in rows[1].text, [r.text for r in rows]
    # Opening this year's CT hangs last year's beside it: the hanging protocol retrieves the
    # prior (on the PACS only) while this year's is on screen.
    click(app, "[data-testid=open-study]")
    WebDriverWait(app, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")) == 2)
    WebDriverWait(app, 20).until(lambda d: "40 here" in d.find_elements(By.CSS_SELECTOR, "[data-testid=studies] tbody tr")[1].text)
    n = wait_drawn(app, 0)
    # The series strip shows a thumbnail drawn off screen from the middle image.
    thumb = wait(app, "[data-testid=thumbnail]")
    assert thumb.get_attribute("src").startswith("data:image/bmp;base64,")
    assert app.execute_script("return arguments[0].naturalWidth", thumb) == 64

    # Corner text and orientation: the patient, the series, image 21 of 40, W/L 400/40.
    assert mrn in app.find_element(By.CSS_SELECTOR, "[data-testid=overlay-patient]").text
    assert "Im 21/40" in app.find_element(By.CSS_SELECTOR, "[data-testid=overlay-frame]").text
    assert "W 400 L 40 HU" in app.find_element(By.CSS_SELECTOR, "[data-testid=overlay-window]").text
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-left]").text == "R"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-right]").text == "L"
    assert app.find_elements(By.CSS_SELECTOR, "[data-testid=scale-bar]")
    # The 256 x 256 image (1.5 mm pixels) fits the viewport: soft tissue mid-grey at the
    # centre, black outside the image, lung black at 40/400.
    canvas = app.find_element(By.CSS_SELECTOR, "[data-testid=viewer-canvas]")
    w, h = int(canvas.get_attribute("width")), int(canvas.get_attribute("height"))
    zoom = float(app.find_element(By.CSS_SELECTOR, "[data-testid=viewer]").get_attribute("data-zoom"))
    assert abs(zoom - min(w, h) / 256) < 0.01, (w, h, zoom)
    cx, cy = w / 2, h / 2
    body = pixel(app, cx, cy)
    assert 100 <= body[0] <= 160 and body[0] == body[1] == body[2], body
    assert pixel(app, 2, 2)[:3] == [0, 0, 0]
    lung_x, lung_y = cx + (-100 / 1.5) * zoom, cy + (-10 / 1.5) * zoom
    assert pixel(app, lung_x, lung_y)[0] < 10
    # The 20 mm nodule in the right lung (shown on the left) is on this middle image.
    nodule = pixel(app, cx + (-60 / 1.5) * zoom, cy + (20 / 1.5) * zoom)
    assert nodule[0] > 120, nodule
    shot(app, "21-viewer-soft-tissue")

    # The wheel scrolls the stack; arrow keys too.
    for _ in range(3):
        mouse(app, "wheel", cx, cy, deltaY=100)
    wait_text(app, "[data-testid=overlay-frame]", "Im 24/40")
    stage = app.find_element(By.CSS_SELECTOR, ".stage")
    stage.send_keys(Keys.ARROW_UP)
    wait_text(app, "[data-testid=overlay-frame]", "Im 23/40")
    n = wait_drawn(app, n)

    # Key 6 is the lung preset: the lung turns grey.
    stage.send_keys("6")
    wait_text(app, "[data-testid=overlay-window]", "W 1500 L -600")
    n = wait_drawn(app, n)
    assert pixel(app, lung_x, lung_y)[0] > 40
    # Right-drag to the right widens the window.
    mouse(app, "mousedown", cx, cy, button=2)
    mouse(app, "mousemove", cx + 100, cy, button=2)
    mouse(app, "mouseup", cx + 100, cy, button=2)
    width = float(app.find_element(By.CSS_SELECTOR, "[data-testid=viewer]").get_attribute("data-width"))
    assert width > 1500, width
    wait_text(app, "[data-testid=overlay-window]", "Custom")

    # A horizontal length of 240 screen pixels is 240 / zoom image pixels of 1.5 mm.
    stage.send_keys("l")
    x0 = int(cx - 120)
    mouse(app, "click", x0, int(cy + 40))
    mouse(app, "click", x0 + 240, int(cy + 40))
    label = wait_text(app, "[data-testid=measurements] li", "mm").get_attribute("textContent")
    mm = float(re.search(r"Length: ([0-9.]+) mm", label).group(1))
    assert abs(mm - 240 / zoom * 1.5) < 0.1, (label, zoom)
    assert f"{mm:.1f} mm" in app.find_element(By.CSS_SELECTOR, ".stage svg").get_attribute("textContent")
    shot(app, "22-viewer-lung-window-length")
    # Kept with the images as a DICOM presentation state, here and on the PACS.
    click(app, "[data-testid=save-annotations]")
    wait_text(app, "[data-testid=notice]", "Saved 1 measurement here and on the PACS")

    # A quarter turn clockwise: the patient's right (R, on the left) comes to the top.
    stage.send_keys("]")
    WebDriverWait(app, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=marker-top]").text == "R")
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-right]").text == "A"
    stage.send_keys("[")
    WebDriverWait(app, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid=marker-top]").text == "A")

    # Reformats on the GPU: a coronal plane through the middle row shows lung where the nodule
    # lies 19 mm behind it; a 40 mm MIP slab reaches the nodule.
    stage.send_keys("1")
    wait_text(app, "[data-testid=overlay-window]", "W 400 L 40")
    n = drawn(app)
    click(app, "[data-testid=plane-coronal]")
    wait_text(app, "[data-testid=overlay-frame]", "Coronal 129/256")
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-top]").text == "H"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-bottom]").text == "F"
    n = wait_drawn(app, n)
    zoom = float(app.find_element(By.CSS_SELECTOR, "[data-testid=viewer]").get_attribute("data-zoom"))
    at_nodule = (cx + (-60 / 1.5) * zoom, cy)
    assert pixel(app, *at_nodule)[0] < 10, "the thin coronal plane is lung there"
    Select(app.find_element(By.CSS_SELECTOR, "[data-testid=projection]")).select_by_value("mip")
    slab = app.find_element(By.CSS_SELECTOR, "[data-testid=slab]")
    slab.clear()
    slab.send_keys("40", Keys.TAB)
    wait_text(app, "[data-testid=overlay-frame]", "MIP 40 mm")
    n = wait_drawn(app, n)
    assert pixel(app, *at_nodule)[0] > 120, "the MIP slab shows the nodule"
    shot(app, "23-viewer-coronal-mip")
    click(app, "[data-testid=plane-sagittal]")
    wait_text(app, "[data-testid=overlay-frame]", "Sagittal 129/256")
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-left]").text == "A"
    n = wait_drawn(app, n)
    click(app, "[data-testid=plane-oblique]")
    wait_text(app, "[data-testid=overlay-frame]", "Oblique 30°")
    # The coronal plane turned 30° about the slice axis: its right edge points left-posterior.
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-left]").text == "RA"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-right]").text == "LP"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid=marker-top]").text == "H"
    n = wait_drawn(app, n)
    stage.send_keys(".")
    wait_text(app, "[data-testid=overlay-frame]", "Oblique 35°")
    wait_drawn(app, n)
    click(app, "[data-testid=plane-stack]")
    wait_text(app, "[data-testid=overlay-frame]", "Im 23/40")

    # The same study again over DIMSE (C-GET).
    click(app, "[data-testid=retrieve-dimse]")
    wait_text(app, "[data-testid=notice]", "Retrieved 40 images over DIMSE", timeout=60)
    shot(app, "24-imaging-retrieved-over-dimse")

    # Last year's CT again, over C-MOVE to the workstation's listener; reopening this year's
    # hangs the prior beside it, and their stacks scroll together.
    rows = app.find_elements(By.CSS_SELECTOR, "[data-testid=studies] tbody tr")
    move = rows[1].find_element(By.CSS_SELECTOR, "[data-testid=retrieve-move]")
    app.execute_script("arguments[0].scrollIntoView({block: 'center'})", move)
    move.click()
    wait_text(app, "[data-testid=notice]", "Retrieved 40 images over C-MOVE", timeout=60)
    WebDriverWait(app, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=open-study]")) == 2)
    # The viewers on screen now are replaced by the reopened ones.
    before = app.find_element(By.CSS_SELECTOR, "[data-testid=viewer]")
    click(app, "[data-testid=open-study]")
    WebDriverWait(app, 30).until(EC.staleness_of(before))
    wait(app, "[data-testid=hanging]")
    WebDriverWait(app, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")) == 2)
    viewers = app.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")
    assert [v.get_attribute("data-label") for v in viewers] == ["Current", "Prior"]
    assert "2025-11-15" in viewers[1].find_element(By.CSS_SELECTOR, "[data-testid=overlay-patient]").text
    WebDriverWait(app, 20).until(lambda d: "40 here" in d.find_elements(By.CSS_SELECTOR, "[data-testid=studies] tbody tr")[1].text)
    WebDriverWait(app, 20).until(lambda d: all(int(v.get_attribute("data-drawn") or 0) > 0 for v in d.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")))
    frames = lambda: [v.find_element(By.CSS_SELECTOR, "[data-testid=overlay-frame]").text for v in app.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")]
    assert frames() == ["Im 21/40", "Im 21/40"], frames()
    # The saved length came back with the current study.
    assert f"{mm:.1f} mm" in viewers[0].find_element(By.CSS_SELECTOR, "[data-testid=measurements]").get_attribute("textContent")
    for _ in range(2):
        mouse(app, "wheel", 100, 100, deltaY=100)
    WebDriverWait(app, 10).until(lambda d: frames() == ["Im 23/40", "Im 23/40"])
    time.sleep(0.5)
    shot(app, "25-hanging-current-and-prior")

    # The current study is imported again from a disc whose images moved (same instances, 7 mm
    # higher) while the series is open. An image read after that is not drawn into
    # the open series' order: the viewer says why and shows black, not the previous image.
    studies = json.loads(urllib.request.urlopen(f"{rest}tools/find", data=json.dumps(
        {"Level": "Study", "Query": {"PatientID": mrn, "StudyDate": "20261115"}}).encode()).read())
    assert len(studies) == 1, studies
    instances = json.loads(urllib.request.urlopen(f"{rest}studies/{studies[0]}/instances").read())
    disc = Path(tempfile.mkdtemp(prefix="meridian-e2e-moved-"))
    for n, inst in enumerate(instances):
        ds = pydicom.dcmread(io.BytesIO(urllib.request.urlopen(f"{rest}instances/{inst['ID']}/file").read()))
        if "ImagePositionPatient" not in ds:
            continue  # the presentation state saved above
        x, y, z = ds.ImagePositionPatient
        ds.ImagePositionPatient = [x, y, float(z) + 7.0]
        ds.save_as(disc / f"IM{n:04}")
    # The radiologist imports it with the CLI beside the open app (the next step's code: this
    # step's was spent logging in).
    env = dict(os.environ, MERIDIAN_USER="rad.okafor", MERIDIAN_PASSWORD=PASSWORD,
               MERIDIAN_TOTP=totp(accounts["rad.okafor"]["secret"], time.time() + 30))
    done = subprocess.run([os.environ["MERIDIAN_BIN"], "--db", str(db), "imaging", "import", "--patient", mrn, str(disc)],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    stage = app.find_element(By.CSS_SELECTOR, ".stage")
    # The last image: neither shown nor prefetched yet (image 1 was decoded on opening).
    stage.send_keys(Keys.END)
    alert = wait(app, "[data-testid=viewer-error]")
    assert "changed in the cache" in alert.text, alert.text
    # The prior, scrolled along, is untouched (the import evicted nothing) and still draws.
    current, prior_viewer = app.find_elements(By.CSS_SELECTOR, "[data-testid=viewer]")
    assert current.find_elements(By.CSS_SELECTOR, "[data-testid=viewer-error]")
    WebDriverWait(app, 10).until(lambda d: "Im 40/40" in prior_viewer.find_element(By.CSS_SELECTOR, "[data-testid=overlay-frame]").text)
    assert not prior_viewer.find_elements(By.CSS_SELECTOR, "[data-testid=viewer-error]")
    cx = int(app.find_element(By.CSS_SELECTOR, "[data-testid=viewer-canvas]").get_attribute("width")) // 2
    WebDriverWait(app, 10).until(lambda d: pixel(d, cx, 100)[:3] == [0, 0, 0])
    shot(app, "26-image-changed-underneath")
