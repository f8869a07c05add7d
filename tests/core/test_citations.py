"""A study's short citation, the one rule the map, the evidence pages and the curation share."""

from exitkg.core.citations import short_citation


def test_one_two_and_three_authors():
    assert short_citation("Smith, A.", "2022") == "Smith 2022"
    assert short_citation("Smith, A.; Jones, B.", 2022) == "Smith & Jones 2022"
    assert short_citation("Smith, A.; Jones, B.; Lee, C.", "2022") == "Smith et al. 2022"


def test_the_year_separator_and_a_missing_year():
    assert short_citation("Dalla, R.; Kreimer, L.", "2017", year_separator=", ") == "Dalla & Kreimer, 2017"
    assert short_citation("Dalla, R.", None) == "Dalla"
    assert short_citation("Dalla, R.", "") == "Dalla"


def test_no_author_named_gives_none():
    assert short_citation("", "2017") is None
    assert short_citation(" ; ", "2017") is None
