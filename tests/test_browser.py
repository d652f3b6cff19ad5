"""The evaluator's flow in a real browser: JupyterLab from this venv, driven in headless Chromium.

Open a notebook made by `evaltools notebook`, Run All, add a pyplot cell, export through the File
menu, and read the downloaded PDF. Needs Debian's `chromium` and `chromium-driver` (.ci/run
installs them when it runs as root with apt); skipped, with the reason, without them.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from evaltools.project import new_project, report_notebook
from test_notebook import figure_alts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000"]
OWN_CELL = ("import matplotlib.pyplot as plt; fig, ax = plt.subplots(); ax.bar(['2012', '2013'], [40, 25]); "
            "ax.set_title('Egen figur fra browseren'); plt.show()")
TABLE_CELL = "import pandas as pd; pd.DataFrame({'andel i job': [0.35, 1.234]}, index=['før', 'efter'])"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("no browser: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    pytest.importorskip("selenium", reason="selenium is a dev dependency (pip install -e '.[dev]')")
    folder = tmp_path_factory.mktemp("lab")
    new_project(folder)
    report_notebook(folder / "params" / "eksempel.yaml", folder / "notebooks" / "lejre.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           "JUPYTER_CONFIG_DIR": str(folder / ".jupyter"), "JUPYTERLAB_SETTINGS_DIR": str(folder / ".lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".lab-workspaces")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "server.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start:\n" + (folder / "server.log").read_text(errors="replace")[-2000:])
                time.sleep(0.5)
        yield folder, base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    folder = lab[0]
    downloads = folder / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={folder / 'chromium-profile'}"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver, downloads
    finally:
        driver.quit()


def _wait(driver, condition, timeout: float, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition)
    except Exception:
        shot = Path(os.environ.get("EVALTOOLS_BROWSER_SHOT", "/tmp/evaltools-browser-failure.png"))
        driver.save_screenshot(str(shot))
        pytest.fail(f"timed out after {timeout} s waiting for {what} (screenshot: {shot})")


def _menu(driver, *path: str):
    """Click through the menu bar: _menu(driver, 'File', 'Save and Export Notebook As', 'Evaltools_PDF')."""
    from selenium.webdriver.common.by import By

    top = _wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
                                        if e.text == path[0]), None), 20, f"menu {path[0]}")
    top.click()
    for label in path[1:]:
        item = _wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
                                             if e.text == label and e.is_displayed()), None), 20, f"menu item {label}")
        item.click()


def _idle(driver) -> bool:
    """No cell is queued or running: every executed prompt shows a number, none '[*]'."""
    from selenium.webdriver.common.by import By

    prompts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")]
    return bool(prompts) and not any("*" in p for p in prompts)


def test_evaluator_runs_adds_a_figure_and_exports_the_pdf_from_the_file_menu(lab, browser):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    folder, base, token = lab
    driver, downloads = browser
    started = time.monotonic()
    driver.get(f"{base}/lab/tree/notebooks/lejre.ipynb?token={token}")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), 60, "the notebook")
    _wait(driver, lambda d: "Idle" in d.find_element(By.CSS_SELECTOR, ".jp-StatusBar-Widget, #jp-main-statusbar").text
          or d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"), 60, "the kernel")

    # Run All; under load the first click can land before the kernel session is wired up and run
    # nothing, so try again until a prompt shows the cells queued or run
    for _ in range(3):
        _menu(driver, "Run", "Run All Cells")
        try:
            WebDriverWait(driver, 20, poll_frequency=0.25).until(
                lambda d: any(p.text.strip() not in ("[ ]:", "")
                              for p in d.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")))
            break
        except TimeoutException:
            continue
    front = _wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output h1")
                                          if "Lejre Kommune" in e.text), None), 120, "the front page")
    assert front.text == "Evaluering: Målet om færre ledige unge (september 2012) i Lejre Kommune"
    _wait(driver, lambda d: len([e for e in d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
                                 if e.text.strip()]) >= 5 and _idle(d), 120, "all cells to finish")
    outputs = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))
    assert "Traceback" not in outputs and "Error" not in outputs
    # JupyterLab renders errors (and stderr) with this mime type
    stderr = driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert not [e.text for e in stderr if "Error" in e.text]

    # the evaluator adds a cell with their own pyplot figure below the last one and runs it
    cells = len(driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"))
    driver.find_element(By.CSS_SELECTOR, ".jp-Notebook-footer").click()  # "Click to add a cell."
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")) == cells + 1, 20, "a new cell")
    editor = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-1]
                   .find_element(By.CSS_SELECTOR, ".cm-content"), 20, "the new cell")
    editor.click()
    editor.send_keys(OWN_CELL)
    editor.send_keys(Keys.SHIFT, Keys.ENTER)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-2]
          .find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output img, .jp-OutputArea-output svg"), 60, "the figure")
    figure = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-2]
    assert len(figure.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")) == 1  # shown once

    # and a table of their own: Shift-Enter left a new empty cell below, as JupyterLab does
    editor = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-1]
                   .find_element(By.CSS_SELECTOR, ".cm-content"), 20, "the next cell")
    editor.click()
    editor.send_keys(TABLE_CELL)
    editor.send_keys(Keys.SHIFT, Keys.ENTER)
    table = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-2]
                  .find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output table"), 60, "the table")
    assert "0,35" in table[0].text and "1,234" in table[0].text  # a Danish report's decimal comma

    _menu(driver, "File", "Save and Export Notebook As", "Evaltools_PDF")
    pdf = downloads / "lejre.pdf"
    _wait(driver, lambda d: pdf.exists() and not list(downloads.glob("*.crdownload")), 90, "the downloaded PDF")
    saved = nbformat.read(folder / "notebooks" / "lejre.ipynb", as_version=4)  # Save and Export saved it first
    assert not [o for c in saved.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert saved.cells[-3].source == OWN_CELL and saved.cells[-2].source == TABLE_CELL
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(pdf)).pages).split())
    assert "Målet om færre ledige unge (september 2012) i Lejre Kommune" in text
    assert "Egen figur fra browseren" in text
    assert "andel i job" in text and "0,35" in text and "1,234" in text
    alts = figure_alts(pdf)
    assert len(alts) == 5 and alts.count("Egen figur fra browseren") == 1  # the report's 4 and the evaluator's
    assert time.monotonic() - started < 120
