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


# --- the default view is the report's; sizes and totals; a factor's evidence; the state in the URL

def _statuses_of(driver) -> dict[str, str]:
    """Every factor's status the page shows: on its chip, its matrix row and the controversial list."""
    seen: dict[str, set[str]] = {}
    for css in (".chip[data-factor]", "#matrix-body tr[data-factor]", "#controversial li"):
        for el in driver.find_elements("css selector", css):
            seen.setdefault(el.get_attribute("data-factor"), set()).add(el.get_attribute("data-status"))
    assert all(len(s) == 1 for s in seen.values()), seen
    return {factor: s.pop() for factor, s in seen.items()}


def _profiles(graph) -> dict:
    import exitkg

    return {e.factor.rsplit("/", 1)[-1]: e for e in exitkg.evidence_profile(graph)}


def _check_default_statuses(driver, graph, data) -> None:
    from exitkg.review.report import build_report

    profiles = _profiles(graph)
    assert driver.find_element("css selector", "body").get_attribute("data-view") == "default"
    shown = _statuses_of(driver)
    # every factor with evidence shows its status, the one exitkg.evidence_profile() gives
    assert {f for f, e in profiles.items() if e.profile.statements} <= set(shown)
    assert shown == {f: profiles[f].status for f in shown}
    # the same as the embedded default, and as the report's population-aware statuses (whole graph)
    assert {f["id"]: f["status"] for f in data["factors"]} == {f: e.status for f, e in profiles.items()}
    report = {e["factor"].rsplit("/", 1)[-1]: e["status"] for e in build_report(graph).graph_controversial}
    assert {f: s for f, s in shown.items() if s != "not controversial"} == report
    assert {"contested"} <= set(report.values())


def test_the_default_statuses_are_the_reports(driver, page, graph):
    _open(driver, page)
    _check_default_statuses(driver, graph, map_data(graph))
    # a filter changes the view; back to the default, the statuses are the report's again
    _set(driver, country="IN", cited=False)
    assert driver.find_element("css selector", "body").get_attribute("data-view") == "filtered"
    _set(driver, cited=True)
    _check_default_statuses(driver, graph, map_data(graph))


def test_a_population_specific_factor_is_shown_so(driver, page, graph):
    """With findings only, the family is population-specific (docs/queries.md): the page's
    recomputation gives the query's population-aware status under that filter too."""
    rows = Q.run(Q.catalogue()["controversial-by-evidence"], graph,
                 {"include_cited": "false", "population_aware": "true"}).rows
    expected = {r["factor"].value.rsplit("/", 1)[-1]: r["status"].value for r in rows}
    assert "population-specific" in expected.values()
    _open(driver, page)
    _set(driver, cited=False)
    shown = _statuses_of(driver)
    assert {f: s for f, s in shown.items() if s != "not controversial"} == expected


@pytest.fixture(scope="module")
def added(tmp_path_factory):
    """The packaged graph with the fictional fixture study added as a second source, and its map."""
    from conftest import FIXTURES

    root = tmp_path_factory.mktemp("added")
    out = root / "fixture-2024"
    curation = FIXTURES / "curation"
    result = run_exitkg("add", curation / "template", "--source", curation / "study-text.txt", "--out", out)
    assert result.code == 0, result.stderr
    page = root / "map.html"
    assert run_exitkg("map", "--out", page, "--data", out).code == 0
    return load(data=[out]), page


def test_the_default_statuses_are_the_reports_with_a_second_source(driver, added):
    graph, page = added
    _open(driver, page)
    _check_default_statuses(driver, graph, embedded_data(page.read_text(encoding="utf-8"))[1])


def _matrix(driver) -> dict:
    return driver.execute_script("""
        const rows = {};
        for (const tr of document.querySelectorAll('#matrix-body tr')) {
          rows[tr.dataset.factor] = {total: tr.querySelector('td.total').textContent,
            bubbles: [...tr.querySelectorAll('.bubble')].map((b) => [b.getBoundingClientRect().width, b.dataset.n || ''])};
        }
        const foot = [...document.querySelectorAll('#matrix-foot td.total')].map((td) => td.textContent);
        return {rows: rows, foot: foot, head: document.getElementById('total-head').textContent};
    """)


def test_cells_are_sized_and_totalled_by_studies_or_participants(driver, page, graph):
    profiles = _profiles(graph)
    studies = map_data(graph)["studies"]
    _open(driver, page)
    _set(driver, cited=True)
    seen = _matrix(driver)
    assert seen["head"] == "studies" and seen["rows"]
    for factor, row in seen["rows"].items():
        assert int(row["total"]) == profiles[factor].profile.studies == len(row["bubbles"]), factor
        assert len({w for w, _ in row["bubbles"]}) == 1, "sized by studies, every bubble is one study"
    # a column's total: the factors its study informs
    assert len(seen["foot"]) == len(studies) + 1
    counts = driver.execute_script("""return [...document.querySelectorAll('table.matrix thead th.study:not(.total)')]
        .map((th, i) => [...document.querySelectorAll('#matrix-body tr')]
        .filter((tr) => tr.children[i + 1].querySelector('.bubble')).length);""")
    assert [int(x) for x in seen["foot"][:-1]] == counts
    assert int(seen["foot"][-1]) == len({s["id"] for s in studies})
    driver.find_element("css selector", 'input[name="f-size"][value="participants"]').click()
    seen = _matrix(driver)
    assert seen["head"] == "participants"
    for factor, row in seen["rows"].items():
        profile = profiles[factor].profile
        assert row["total"] == (str(profile.participants) if profile.participants_of else "\u2013"), factor
    sized = sorted((int(n), w) for row in seen["rows"].values() for w, n in row["bubbles"] if n and int(n))
    assert sized[0][1] < sized[-1][1], "more participants, a bigger bubble"
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(sized)), "bubbles grow with the participants"
    assert [int(x) if x != "?" else None for x in seen["foot"][:-1]] == [
        s["n"] if c else 0 for s, c in zip(studies, counts, strict=True)]


def test_a_factors_evidence_table_has_design_country_n_year_doi_and_confidence(driver, page, graph):
    stigma = _profiles(graph)["stigma"]
    _open(driver, page)
    _set(driver, cited=True)
    driver.find_element("css selector", '.chip[data-factor="stigma"]').click()
    heads = [th.text for th in driver.find_elements("css selector", "#details-table tr:first-child th")]
    assert {"design", "country", "n", "year", "DOI", "quote", "where"} <= set(heads)
    rows = {}
    for tr in driver.find_elements("css selector", "#details-table tr.assertion"):
        cells = dict(zip(heads, tr.find_elements("css selector", "td"), strict=True))
        rows.setdefault(cells["evidence"].text, cells)
    dalla = rows["Dalla & Kreimer 2017"]
    assert dalla["n"].text == "30" and dalla["year"].text == "2017" and "India" in dalla["country"].text
    assert dalla["design"].text
    link = dalla["DOI"].find_element("css selector", "a")
    assert link.get_attribute("href") == "https://doi.org/10.1007/s12119-016-9388-4"
    assert driver.find_element("id", "details-status").text == stigma.status
    assert driver.find_element("id", "details-confidence").text == stigma.confidence.level
    reasons = [li.text for li in driver.find_elements("css selector", "#details-reasons li")]
    assert reasons == stigma.confidence.reasons
    assert "not a CERQual assessment" in driver.find_element("id", "details-profile").text


def _controls(driver) -> dict:
    return driver.execute_script("""return {
        source: document.getElementById('f-source').value, design: document.getElementById('f-design').value,
        country: document.getElementById('f-country').value, age: document.getElementById('f-age').value,
        cited: document.getElementById('f-cited').checked, stated: document.getElementById('f-stated').checked,
        size: document.querySelector('input[name="f-size"]:checked').value,
        selected: (document.querySelector('.chip.selected') || {dataset: {}}).dataset.factor || null};""")


def test_the_filters_live_in_the_url(driver, page, graph):
    _open(driver, page)
    assert "#" not in driver.current_url, "the default view has no state in its address"
    _set(driver, design="qualitative", age="adults", stated=True, cited=False)
    driver.find_element("css selector", 'input[name="f-size"][value="participants"]').click()
    driver.find_element("css selector", '.chip[data-factor="family"]').click()
    url = driver.current_url
    assert url.startswith(page.as_uri() + "#")
    for part in ("design=qualitative", "age=adults", "stated=1", "cited=0", "size=participants", "factor=family"):
        assert part in url.split("#", 1)[1].split("&"), (part, url)
    controls, statuses = _controls(driver), _statuses_of(driver)
    listed = {li.get_attribute("data-factor") for li in driver.find_elements("css selector", "#controversial li")}
    assert listed == _sparql(graph, design="qualitative", age="adults", stated=True)
    # a fresh page at that address restores the filters and shows the same statuses
    driver.get("about:blank")
    driver.get(url)
    assert driver.find_element("css selector", "body").get_attribute("data-ready") == "true"
    assert _controls(driver) == controls == {"source": "", "design": "qualitative", "country": "", "age": "adults",
                                             "cited": False, "stated": True, "size": "participants",
                                             "selected": "family"}
    assert _statuses_of(driver) == statuses
    assert driver.find_element("css selector", "#details h3").text.startswith("Family")
    # back to the default view, the address loses its state
    _set(driver, cited=True)
    driver.find_element("css selector", 'input[name="f-size"][value="studies"]').click()
    assert driver.current_url == page.as_uri() + "#factor=family"


def test_the_matrix_fits_a_laptops_screen_in_both_sizes(driver, page):
    """At 1366 x 768 every study's column shows, the totals too, whether cells are sized by
    studies or participants."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    try:
        for size in ("studies", "participants"):
            driver.get("about:blank")
            driver.get(page.as_uri() + ("#size=participants" if size == "participants" else ""))
            seen = driver.execute_script("""
                const box = document.querySelector('.matrix-wrap'), right = box.getBoundingClientRect().right;
                const heads = [...document.querySelectorAll('table.matrix thead th')];
                return {page: document.documentElement.scrollWidth, inner: window.innerWidth,
                        box: box.scrollWidth - box.clientWidth, columns: heads.length,
                        hidden: heads.filter((th) => th.getBoundingClientRect().right > right).map((th) => th.textContent)};
            """)
            assert seen["columns"] == len(map_data(load())["studies"]) + 2
            assert seen["page"] <= seen["inner"], size
            assert not seen["hidden"] and seen["box"] <= 0, (size, seen["hidden"])
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_grid_counts_the_studies_of_each_cell_row_and_column(driver, page, graph):
    """Figure 2's cells, rows (roles) and columns (levels) count the distinct studies behind their
    factors' findings, as the graph has them."""
    rows = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT DISTINCT ?role ?level ?study WHERE {
          ?c a ekg:FactorClassification ; ekg:classifies ?f ; ekg:level ?level ; ekg:role ?role ; ekg:inSource ?src .
          ?src ekg:encodes ?review .
          ?a a ekg:Finding ; ekg:aboutFactor ?f ; ekg:fromStudy ?study ; ekg:statedRole ?r ; ekg:effectiveRole ?d }""").rows
    found = [(r["role"].value.rsplit("#", 1)[-1], r["level"].value.rsplit("#", 1)[-1], r["study"].value) for r in rows]
    data = map_data(graph)

    def studies(role=None, level=None) -> str:
        n = len({s for ro, lv, s in found if role in (None, ro) and level in (None, lv)})
        return f"{n} study" if n == 1 else f"{n} studies"

    _open(driver, page)
    _set(driver, cited=True)
    def text(css: str) -> str:
        return driver.find_element("css selector", css + " .count").text

    for role in data["roles"]:
        for level in data["levels"]:
            assert text(f"#cell-{role}-{level}") == studies(role, level), (role, level)
        assert text(f"#total-{role}") == studies(role=role)
    for level in data["levels"]:
        assert text(f"#total-{level}") == studies(level=level)
    assert text("#total-grid") == studies()
    assert int(studies().split()[0]) > 10
    driver.find_element("css selector", 'input[name="f-size"][value="participants"]').click()
    assert text("#total-grid").endswith(" participants")
