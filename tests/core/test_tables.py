"""The one door for CSV files (core/tables.py): what is written is inert in a spreadsheet and read back as typed."""

import itertools

from core.tables import append_rows, line, neutralise, read_records, reader, restore, write_table

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


def test_a_lone_carriage_return_in_a_cell_is_quoted_and_the_file_reads_back(tmp_path):
    """The defect: the csv module quotes only its line terminator's \\n, so a cell holding a bare
    \\r (an address pasted from an old Mac export) was written unquoted, and every later read of
    the file failed (csv.Error: new-line character seen in unquoted field)."""
    header = ["id", "address", "note"]
    rows = [["1", "学府路88号\r3栋201室", 'say "hi"'], ["2", "\r", "plain"], ["3", "一行", ""]]
    write_table(tmp_path / "table.csv", header, rows)
    append_rows(tmp_path / "appended.csv", header, rows)
    assert line(rows[0]).startswith(b'"1","')
    for name in ("table.csv", "appended.csv"):
        assert [list(r.values()) for r in read_records(tmp_path / name)] == rows
    append_rows(tmp_path / "appended.csv", header, [["4", "后来", ""]])  # the file is still one to add to
    assert len(read_records(tmp_path / "appended.csv")) == 4
