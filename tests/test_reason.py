"""HermiT through owlready2: consistency, derived controversy, deadline and missing Java."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import REPO_ROOT, assert_one_error_line, run_exitkg, sha256_tree

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")

ID = "https://w3id.org/exitkg/id/factor/"


def test_packaged_ontology_and_data_are_consistent_and_classified():
    code, out, err = run_exitkg("reason", "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["consistent"] is True
    assert answer["controversial_by_evidence"] == [
        ID + s for s in ("family", "ngos", "religious-organizations", "stigma", "substance-abuse")
    ]


def test_inconsistent_data_exits_1(tmp_path):
    bad = tmp_path / "bad.ttl"
    # ekg:level is functional and the three levels are pairwise different: two levels clash.
    bad.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "<https://example.org/f> a ekg:Factor ; ekg:level ekg:individualLevel, ekg:structuralLevel .\n",
        encoding="utf-8",
    )
    code, out, err = run_exitkg("reason", bad)
    assert code == 1, err
    assert "INCONSISTENT" in out


def test_deadline_exits_7_and_leaves_no_temporary_files(tmp_path):
    before = sha256_tree(REPO_ROOT / "ontology", REPO_ROOT / "data")
    env_tmp = tmp_path / "tmp"
    env_tmp.mkdir()
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(env_tmp)
    try:
        code, out, err = run_exitkg("reason", "--timeout", "0.2")
    finally:
        if old is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = old
    assert code == 7
    assert_one_error_line(err, "did not finish within")
    assert list(env_tmp.iterdir()) == []
    assert sha256_tree(REPO_ROOT / "ontology", REPO_ROOT / "data") == before


def test_missing_java_exits_5():
    os.environ["EXITKG_JAVA"] = "no-such-java-binary"
    try:
        code, out, err = run_exitkg("reason")
    finally:
        os.environ.pop("EXITKG_JAVA")
    assert code == 5
    assert_one_error_line(err, "Java not found")


def test_bad_timeout_is_a_usage_error():
    code, _, err = run_exitkg("reason", "--timeout", "zero")
    assert code == 3
    assert_one_error_line(err, "--timeout")
