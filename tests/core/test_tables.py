"""The one door for CSV files (core/tables.py): what is written is inert in a spreadsheet and read back as typed."""

import itertools

from core.tables import line, neutralise, reader, restore

FORMULAS = ("=", "+", "-", "@", "\t")


def test_every_line_of_a_cell_is_guarded_and_read_back_as_typed():
    """A tool that splits a file at its line ends (Excel's text import) sees each line of a cell
    as a cell: none may start a formula, and the guard never shows once read."""
    pieces = ["=", "+", "-", "@", "\t", "\n", "\r\n", "'", "王", " "]
    for size in range(5):
        for value in map("".join, itertools.product(pieces, repeat=size)):
            stored = line(["id", value]).decode("utf-8")
            assert [row for row in reader(stored)] == [["id", value]], repr(value)
            assert restore(neutralise(value)) == value
            lines = neutralise(value).replace("\r\n", "\n").split("\n")
            assert not [text for text in lines if text.startswith(FORMULAS)], repr(value)


def test_a_message_with_a_formula_on_its_second_line_is_stored_behind_an_apostrophe():
    assert line(['老师好\n=HYPERLINK("http://evil.example")\n\'@已有撇号']) == (
        '"老师好\n\'=HYPERLINK(""http://evil.example"")\n\'\'@已有撇号"\n'.encode()
    )
