"""The evidence map in a real browser (headless Chromium, the system's, through Selenium).

The page is opened from the file system with no network. Its list of controversial factors, for
every filter combination tested, must be the set the ``controversy-on-subset`` query gives (and,
with cited evidence and no other filter, the set ``controversial-by-evidence`` gives). A click on a
factor must list its evidence. A screenshot of the map is kept in ``build/test-artifacts/``.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from conftest import ARTIFACTS, SCRIPT_BREAKING_LABEL, data_with_label, embedded_data, run_exitkg
from exitkg.sparql import queries as Q
from exitkg.pages.map import map_data
from exitkg.graph.local import load

@pytest.fixture(scope="module")
def graph():
    return load()


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("map") / "evidence-map.html"
    result = run_exitkg("map", "--out", out)
    assert result.code == 0, result.stderr
    return out


def test_the_page_is_self_contained_and_stable(page, tmp_path):
    html = page.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html), "the page loads nothing"
    again = tmp_path / "again.html"
    assert run_exitkg("map", "--out", again).code == 0
    assert again.read_bytes() == page.read_bytes()


def test_the_embedded_data_holds_every_role_assertion(graph, page):
    html = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1).replace("<\\/", "</"))
    count = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a ekg:aboutFactor ?f ; ekg:statedRole ?r }""").rows[0]["n"].value
    assert len(data["assertions"]) == int(count)
    assert data == map_data(graph)


def _open(driver, page: Path) -> None:
    driver.get(page.as_uri())
    assert driver.find_element("css selector", "body").get_attribute("data-ready") == "true"


def _set(driver, design="", country="", age="", cited=False, stated=False, source="") -> set[str]:
    from selenium.webdriver.support.ui import Select

    for element, value in (("f-source", source), ("f-design", design), ("f-country", country), ("f-age", age)):
        Select(driver.find_element("id", element)).select_by_value(value)
    for element, wanted in (("f-cited", cited), ("f-stated", stated)):
        box = driver.find_element("id", element)
        if box.is_selected() != wanted:
            box.click()
    return {li.get_attribute("data-factor") for li in driver.find_elements("css selector", "#controversial li")}


def _sparql(graph, design="", country="", age="", stated=False, source="") -> set[str]:
    params = {"include_inferred": "false" if stated else "true"}
    if source:
        params["source"] = source
    if design:
        params["design"] = design
    if country:
        params["country"] = country
    if age:
        params["age_group"] = age
    rows = Q.run(Q.catalogue()["controversy-on-subset"], graph, params).rows
    return {r["factor"].value.rsplit("/", 1)[-1] for r in rows}


def test_filters_give_the_controversial_sets_of_the_query(driver, page, graph):
    _open(driver, page)
    designs = ("", "qualitative", "quantitative", "mixedMethods")
    countries = ("", "IN", "US", "NP")
    ages = ("", "adults", "youngAdults")
    tested = 0
    for design, country, age, stated in itertools.product(designs, countries, ages, (False, True)):
        shown = _set(driver, design, country, age, cited=False, stated=stated)
        assert shown == _sparql(graph, design, country, age, stated), (design, country, age, stated)
        tested += 1
    assert tested == 96
    # cited evidence, no other filter: the controversial-by-evidence set
    rows = Q.run(Q.catalogue()["controversial-by-evidence"], graph, {"include_cited": "true"}).rows
    assert _set(driver, cited=True) == {r["factor"].value.rsplit("/", 1)[-1] for r in rows}


def test_a_click_shows_the_factors_evidence_and_a_screenshot_is_kept(driver, page, graph):
    _open(driver, page)
    _set(driver)
    driver.find_element("css selector", '.chip[data-factor="stigma"]').click()
    rows = driver.find_elements("css selector", "#details-table tr.assertion")
    expected = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a ekg:aboutFactor <https://w3id.org/exitkg/id/factor/stigma> ;
        ekg:statedRole ?r }""").rows[0]["n"].value
    assert len(rows) == int(expected)
    assert any("Indian sample" in row.text for row in rows)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "evidence-map.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_the_source_filter_separates_the_review_from_a_study_added_later(driver, tmp_path):
    """With the fictional fixture study added (tests/fixtures/curation), the source filter shows
    which factors are controversial in each layer, as the query says for that source."""
    from conftest import FIXTURES

    added = tmp_path / "fixture-2024"
    curation = FIXTURES / "curation"
    result = run_exitkg("add", curation / "template", "--source", curation / "study-text.txt", "--out", added)
    assert result.code == 0, result.stderr
    page = tmp_path / "map.html"
    assert run_exitkg("map", "--out", page, "--data", added).code == 0
    graph = load(data=[added])
    _open(driver, page)
    sources = [o.get_attribute("value") for o in driver.find_elements("css selector", "#f-source option")]
    assert {"ferrari-2021", "fixture-2024"} <= set(sources)
    seen = set()
    for source, stated in itertools.product(sources, (False, True)):
        shown = _set(driver, source=source, stated=stated)
        assert shown == _sparql(graph, stated=stated, source=source), (source, stated)
        seen.add(frozenset(shown))
    assert len(seen) > 2, "the layers differ"


#: a factor label holding what ends, or hides the end of, an HTML <script> element
@pytest.fixture(scope="module")
def odd_page(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("odd-label")
    out = root / "evidence-map.html"
    result = run_exitkg("map", "--only", *data_with_label(root / "data"), "--out", out)
    assert result.code == 0, result.stderr
    return out


def test_a_label_that_breaks_script_elements_is_embedded_escaped(odd_page):
    """``<``, ``>``, ``&`` and U+2028/U+2029 of the data are JSON escapes inside the <script>
    element, so the HTML parser sees none of the label's markup and the JSON reads back whole."""
    text, data = embedded_data(odd_page.read_text(encoding="utf-8"))
    assert not set(text) & set("<>&\u2028\u2029")
    assert SCRIPT_BREAKING_LABEL in {f["label"] for f in data["factors"]}


def test_a_label_that_breaks_script_elements_still_renders_in_a_browser(driver, odd_page):
    _open(driver, odd_page)
    _set(driver)
    chip = driver.find_element("css selector", '.chip[data-factor="stigma"]')
    assert chip.get_attribute("title").startswith(SCRIPT_BREAKING_LABEL + ": ")
    assert len(driver.find_elements("css selector", "#controversial li")) > 0
