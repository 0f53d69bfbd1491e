"""The conventions every stage shares: list values in one table cell, and DOIs found in text."""
from reviewkit.core.text import find_dois, join_cell, split_cell


def test_list_values_round_trip_through_a_cell():
    values = ["umbilical cord", "bone marrow | adipose", "", "x"]
    cell = join_cell(values)
    assert cell == "umbilical cord | bone marrow | adipose | x"
    assert split_cell(cell) == ["umbilical cord", "bone marrow", "adipose", "x"]
    assert split_cell("a|b") == ["a|b"] and split_cell(None) == [] and split_cell("") == []


def test_dois_are_found_in_html_prose_and_old_sici_form():
    text = ('see <a href="https://doi.org/10.1000/ABC.1">10.1000/abc.1</a>, and '
            "10.1002/(SICI)1097-4636(199705)35:2<211::AID-JBM9>3.0.CO;2-L. Also doi:10.5555/x_y).")
    assert find_dois(text) == ("10.1000/abc.1", "10.1002/(sici)1097-4636(199705)35:2<211::aid-jbm9>3.0.co;2-l",
                               "10.5555/x_y")
    assert find_dois("ISBN 978-3-16 and 110.1234/not-a-doi") == ()
