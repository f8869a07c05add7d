"""``exitkg figure``: Figure 2 as SVG, box by box the same as the figure-2 query."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conftest import run_in_process
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
from exitkg.rdf.namespaces import EKG

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graph():
    return load()


def _boxes_from_query(graph) -> dict[tuple[str, str], list[str]]:
    out = {}
    for r in Q.run(Q.catalogue()["figure-2"], graph).rows:
        if r.get("category2") is not None and r.get("members") is not None:
            out[(r["category"].value.removeprefix(EKG), r["category2"].value.removeprefix(EKG))] = \
                r["members"].value.split(" | ")
    return out


def test_svg_boxes_are_the_query_boxes_and_bytes_are_stable(tmp_path, graph):
    out = tmp_path / "figure-2.svg"
    result = run_in_process("figure", "--out", out)
    assert result.code == 0, result.stderr
    root = ET.fromstring(out.read_bytes())
    assert root.tag == f"{SVG}svg"
    drawn = {}
    for role in root.iter(f"{SVG}g"):
        if role.get("class") != "role":
            continue
        for box in role.findall(f"{SVG}g"):
            drawn[(role.get("data-role"), box.get("data-level"))] = [t.text for t in box.findall(f"{SVG}text")]
    expected = _boxes_from_query(graph)
    assert {k: v for k, v in drawn.items() if v} == expected
    assert len(drawn) == 9
    again = tmp_path / "again.svg"
    assert run_in_process("figure", "--out", again).code == 0
    assert again.read_bytes() == out.read_bytes()


def test_unknown_review_is_a_query_error():
    result = run_in_process("figure", "--review", "nope")
    assert result.code == 4 and "no review 'nope'" in result.stderr


def test_png_is_the_svg_drawn_at_twice_its_size(tmp_path):
    import struct

    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"PNG needs CairoSVG and the cairo library ({exc}); .ci/setup-system installs them")
    svg, png = tmp_path / "f.svg", tmp_path / "f.png"
    assert run_in_process("figure", "--out", svg).code == 0
    result = run_in_process("figure", "--format", "png", "--out", png)
    assert result.code == 0, result.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    root = ET.fromstring(svg.read_bytes())
    assert (width, height) == (2 * int(root.get("width")), 2 * int(root.get("height")))


def test_png_needs_a_file():
    result = run_in_process("figure", "--format", "png")
    assert result.code == 3 and "--out" in result.stderr
