"""The explorer in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

`paxraft explore paxos --variant ignore-votes` is started as a user would; the test clicks the
shortest counterexample's steps one by one, checks the page names the broken invariant and the
values chosen by which quorums, then pastes the URL into a fresh page and finds the same state.
Set PAXRAFT_UPDATE_SCREENSHOT=1 to rewrite docs/explorer.png from this run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelcheck import check
from spec.registry import build

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - selenium is a dev dependency
    webdriver = None

pytestmark = pytest.mark.skipif(
    webdriver is None or not CHROMIUM or not DRIVER,
    reason="no browser: install Debian's chromium and chromium-driver (make setup does, as root) and selenium",
)
ROOT = Path(__file__).resolve().parent.parent
WHY = "2 values are chosen: v1 in ballot 0 by quorum {a2,a3}; v2 in ballot 1 by quorum {a1,a2}"


@pytest.fixture
def explorer() -> Iterator[str]:
    """`paxraft explore paxos --variant ignore-votes` in a subprocess; yields the URL it prints."""
    yield from _explore("paxos", "--variant", "ignore-votes")


@pytest.fixture
def ring() -> Iterator[str]:
    """`paxraft explore` on a user's spec with 8 initial states (tests/user_specs/chang_roberts.py)."""
    yield from _explore("tests/user_specs/chang_roberts.py:ChangRoberts")


def _explore(*argv: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "modelcheck.cli", "explore", *argv, "--for", "300"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "Exploring ..."
        line = proc.stdout.readline()
        m = re.match(r"Open (http://127\.0\.0\.1:\d+/)$", line.strip())
        assert m, line
        yield m.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="paxraft-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1500,1100"):  # fmt: skip
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _depth(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.ID, "depth").text


def test_click_to_the_violation_and_reopen_it_from_its_url(explorer: str, browser: webdriver.Chrome) -> None:
    spec = build("paxos", "ignore-votes")
    trace = check(spec).trace
    assert trace is not None and len(trace) == 13
    wait = WebDriverWait(browser, 60)  # (each step; a busy machine slows the headless browser)
    browser.get(explorer)
    wait.until(lambda d: _depth(d) == "initial state")
    for k, step in enumerate(trace[1:], 1):
        text = spec.show_label(step.label)
        link = wait.until(lambda d, t=text: d.find_element(By.XPATH, f"//ul[@id='enabled']//a[text()='{t}']"))
        link.click()
        wait.until(lambda d, k=k: _depth(d) == f"step {k}")
    agreement = browser.find_element(By.CSS_SELECTOR, "#invariants li[data-name='Agreement']")
    assert agreement.get_attribute("class") == "broken"
    assert agreement.text == f"Agreement is violated\n{WHY}"
    assert browser.find_element(By.CSS_SELECTOR, "#invariants li[data-name='TypeOK']").get_attribute("class") == "holds"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#msc-svg circle")) == 12  # one dot per step in the chart
    # one arrow per message received, paired by the server as check --out pairs them (test_render: 12)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#msc-svg path[marker-end]")) == 12
    if os.environ.get("PAXRAFT_UPDATE_SCREENSHOT"):
        browser.save_screenshot(str(ROOT / "docs" / "explorer.png"))
    url = browser.current_url
    assert "?path=" in url
    history = browser.find_element(By.ID, "history").text
    # paste the URL into a fresh page: the same state
    browser.get("about:blank")
    browser.get(url)
    wait.until(lambda d: _depth(d) == "step 12")
    assert browser.find_element(By.ID, "history").text == history
    assert WHY in browser.find_element(By.ID, "invariants").text
    # Back, then Forward along the same path
    browser.find_element(By.ID, "back").click()
    wait.until(lambda d: _depth(d) == "step 11")
    assert "Agreement holds" in browser.find_element(By.ID, "invariants").text
    browser.find_element(By.ID, "forward").click()
    wait.until(lambda d: _depth(d) == "step 12")


def test_a_path_that_is_not_a_behaviour_gets_an_error_page(explorer: str, browser: webdriver.Chrome) -> None:
    browser.get(explorer + "?path=Phase1a(0)/Phase2b(0,0,0)")
    assert browser.find_element(By.ID, "error").text == (
        "step 2: Phase2b(0,0,0) is not among Phase2b's parameters in the state reached after step 1 (it offers "
        "none): this path is not a behaviour of the spec"
    )


def test_every_initial_state_is_a_link(ring: str, browser: webdriver.Chrome) -> None:
    """The page opened on the first initial state and listed no other (the others only by typing Init(k))."""
    wait = WebDriverWait(browser, 60)
    browser.get(ring)
    wait.until(lambda d: _depth(d) == "initial state")
    summary = browser.find_element(By.ID, "inits-summary").text
    assert summary.startswith("8 initial states; this path starts from Init(0)")
    browser.find_element(By.ID, "inits").click()  # open the <details>
    links = browser.find_elements(By.CSS_SELECTOR, "#inits-list a")
    assert [a.text for a in links] == [f"Init({k})" for k in range(8)]
    links[5].click()
    wait.until(lambda d: "Init(5)" in d.find_element(By.ID, "inits-summary").text)
    current = browser.find_element(By.CSS_SELECTOR, "#inits-list li.current").text
    assert "initiator = [p1 |-> True, p2 |-> False, p3 |-> True]" in current
    browser.find_element(By.XPATH, "//ul[@id='enabled']//a[text()='n0(n=p1)']").click()
    wait.until(lambda d: _depth(d) == "step 1")
    assert browser.current_url.endswith("?path=Init(5)%2Fn0(0)")
    head = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#processes tr:first-child th")]
    assert head == ["variable", "p1", "p2", "p3"]  # show_state's dicts keyed by node: a column per node
    browser.find_element(By.ID, "initial").click()  # back to this path's own initial state
    wait.until(lambda d: _depth(d) == "initial state")
    assert browser.current_url.endswith("?path=Init(5)")


def test_forward_goes_round_a_loaded_lasso(tmp_path: Path, browser: webdriver.Chrome) -> None:
    """The URL `explore --trace` prints for a liveness counterexample (a user's spec: Dijkstra's mutex without p1's
    fairness): Forward steps to its last state, which says the loop closes there and which state it is again;
    Forward then goes round the loop, and the path's history marks where the loop starts. The page stopped at the
    last state before, with nothing saying the behaviour loops (newuser26)."""
    from modelcheck.cli import main

    ref = "tests/user_specs/dijkstra_mutex.py:LSpec"
    assert main(["check", ref, "--variant", "unfair-first", "--liveness", "DeadlockFreedom", "--out",
                 str(tmp_path), "--quiet"]) == 1  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck.cli", "explore", ref, "--variant", "unfair-first",
                             "--trace", str(tmp_path / "trace.itf.json"), "--for", "300"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        url = lines[2].split("(Forward): ")[1].strip()
        wait = WebDriverWait(browser, 60)
        browser.get(url)
        wait.until(lambda d: _depth(d) == "initial state")
        for k in range(1, 11):
            browser.find_element(By.ID, "forward").click()
            wait.until(lambda d, k=k: _depth(d) == f"step {k}")
        lasso = browser.find_element(By.ID, "lasso")
        assert lasso.is_displayed() and lasso.text == (
            "The loop closes: this state is state 5 again: the behaviour repeats steps 6-10 for ever. Forward goes "
            "round the loop.")
        marked = browser.find_elements(By.CSS_SELECTOR, "#history li .loop")
        assert [m.text for m in marked] == ["the loop starts here"]
        assert browser.find_elements(By.CSS_SELECTOR, "#history li")[5].text.endswith("the loop starts here")
        browser.find_element(By.ID, "forward").click()
        wait.until(lambda d: _depth(d) == "step 6")
        assert not browser.find_element(By.ID, "lasso").is_displayed()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
