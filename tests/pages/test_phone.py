"""Every kind of page on a phone's screen and on a laptop's, in a real browser (headless Chromium).

Every page pinned in tests/expected/pages/ (the site's own pages, one identifier page of each kind,
the evidence map and the report as ``exitkg map`` and ``exitkg report`` write them alone) and the
query page of ``exitkg serve`` are opened as a phone shows them, 390 x 844 CSS pixels with a
phone's viewport rules: the page's viewport tag must take effect (the layout is 390 px wide, not
zoomed out from a desktop width), nothing may make the page scroll sideways (a wide table scrolls
inside its own box) and no visible text may be smaller than 12 px. At 1366 x 768 the evidence
map's matrix must show every study's column without scrolling. Screenshots of the map, a factor's
page, a study's page and the query page at both widths are kept in ``build/test-artifacts/pages/``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ARTIFACTS, REPO_ROOT
from test_pages_pinned import ID_KINDS, SITE_PAGES

pytestmark = pytest.mark.browser

PHONE = (390, 844)
LAPTOP = (1366, 768)
#: the smallest text allowed, in CSS pixels
MIN_TEXT_PX = 12
#: the pages written alone, beside the site's (named here apart from the site's)
STANDALONE = ("alone/evidence-map.html", "alone/report.html")
SHOTS = ARTIFACTS / "pages"

#: what a page measures of itself: its width, how far it scrolls sideways, and its visible text
#: smaller than the minimum (the element, its size, the start of its text)
_MEASURE = """
const small = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!n.textContent.trim() || !el.getClientRects().length) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || parseFloat(style.fontSize) >= arguments[0]) continue;
  small.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + style.fontSize +
             ' "' + n.textContent.trim().slice(0, 30) + '"');
}
return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, small: small};
"""


def _first_page(site: Path, kind: str) -> str:
    found = sorted(p.relative_to(site).as_posix() for p in (site / "id" / kind).rglob("*.html"))
    assert found, f"no page under id/{kind}/"
    return found[0]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The pinned pages, written as the commands write them: name -> file."""
    from exitkg.graph.local import load
    from exitkg.pages.map import render_map
    from exitkg.pages.report import render_html
    from exitkg.publish.site import build_site
    from exitkg.review.report import build_report

    root = tmp_path_factory.mktemp("phone")
    site = root / "site"
    build_site(site)
    found = {name: site / name for name in SITE_PAGES}
    found.update({kind: site / _first_page(site, kind) for kind in ID_KINDS})
    found["id/study/cordisco-tsai-2017.html"] = site / "id" / "study" / "cordisco-tsai-2017.html"
    found["id/factor/stigma.html"] = site / "id" / "factor" / "stigma.html"
    graph = load()
    (root / "alone").mkdir()
    (root / "alone" / "evidence-map.html").write_text(render_map(graph), encoding="utf-8")
    (root / "alone" / "report.html").write_text(render_html(build_report(graph)), encoding="utf-8")
    found.update({name: root / name for name in STANDALONE})
    return found


@pytest.fixture(scope="module")
def query_page():
    """The address of the query page of a running ``exitkg serve``."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "serve", "--port", str(port)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or line.startswith("Press Ctrl-C"):
                break
        assert proc.poll() is None, "exitkg serve stopped"
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _screen(driver, size: tuple[int, int]) -> None:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800})


@pytest.fixture
def screen(driver):
    """``screen(size)`` emulates a screen of that size (a phone's below 800 px) until the test ends."""
    yield lambda size: _screen(driver, size)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _open(driver, address: str) -> None:
    driver.get(address)
    if driver.find_elements("css selector", "body.map"):
        assert driver.find_element("css selector", "body").get_attribute("data-ready") == "true"


def _check_phone(driver, what: str) -> None:
    seen = driver.execute_script(_MEASURE, MIN_TEXT_PX)
    assert seen["inner"] == PHONE[0], (
        f"{what}: laid out {seen['inner']} px wide on a {PHONE[0]}-px phone (no viewport tag, or content "
        f"wider than the screen)")
    assert seen["scroll"] <= seen["inner"], f"{what}: scrolls sideways ({seen['scroll']} px > {seen['inner']} px)"
    assert not seen["small"], f"{what}: text under {MIN_TEXT_PX} px: {seen['small'][:5]}"


@pytest.mark.parametrize("name", (*SITE_PAGES, *ID_KINDS, *STANDALONE))
def test_the_page_reads_on_a_phone(driver, screen, pages, name):
    screen(PHONE)
    _open(driver, pages[name].as_uri())
    _check_phone(driver, name)
    if name in ("index.html", "alone/evidence-map.html"):  # the evidence table of a factor, once chosen
        driver.find_element("css selector", '.chip[data-factor="stigma"]').click()
        assert driver.find_elements("css selector", "#details table")
        _check_phone(driver, name + " with stigma's evidence")


def test_the_query_page_reads_on_a_phone(driver, screen, query_page):
    screen(PHONE)
    _open(driver, query_page)
    _check_phone(driver, "the query page")


def test_the_map_shows_every_study_on_a_laptop(driver, screen, pages):
    from exitkg.graph.local import load
    from exitkg.pages.map import map_data

    screen(LAPTOP)
    _open(driver, pages["alone/evidence-map.html"].as_uri())
    seen = driver.execute_script("""
        const box = document.querySelector('.matrix-wrap'), right = box.getBoundingClientRect().right;
        const heads = [...document.querySelectorAll('table.matrix thead th')];
        return {page: document.documentElement.scrollWidth, inner: window.innerWidth,
                box: box.scrollWidth - box.clientWidth, columns: heads.length - 2,  // less the factors' and totals'
                hidden: heads.filter((th) => th.getBoundingClientRect().right > right).map((th) => th.textContent)};
    """)
    assert seen["columns"] == len(map_data(load())["studies"]) > 0
    assert seen["page"] <= seen["inner"], "the map scrolls sideways at 1366 px"
    assert not seen["hidden"] and seen["box"] <= 0, (
        f"at 1366 px the matrix hides {len(seen['hidden'])} study columns: {seen['hidden']}")


def _shoot(driver, screen, address: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (LAPTOP, PHONE):
        screen(size)
        _open(driver, address)
        shot = SHOTS / f"{name}-{size[0]}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 0


def test_screenshots_at_both_widths_are_kept(driver, screen, pages, query_page):
    _shoot(driver, screen, pages["alone/evidence-map.html"].as_uri(), "evidence-map")
    _shoot(driver, screen, pages["id/factor/stigma.html"].as_uri(), "factor-stigma")
    _shoot(driver, screen, pages["id/study/cordisco-tsai-2017.html"].as_uri(), "study-cordisco-tsai-2017")
    _shoot(driver, screen, query_page, "query-page")
    screen(LAPTOP)
    _open(driver, pages["alone/evidence-map.html"].as_uri())
    driver.execute_script("document.querySelector('.matrix-wrap').scrollIntoView()")
    assert driver.save_screenshot(str(SHOTS / f"evidence-map-matrix-{LAPTOP[0]}.png"))
    kept = {p.name for p in SHOTS.glob("*.png")}
    assert {f"{n}-{w}.png" for n in ("evidence-map", "factor-stigma", "study-cordisco-tsai-2017", "query-page")
            for w in (LAPTOP[0], PHONE[0])} <= kept
