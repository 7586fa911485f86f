"""Parse notes are a table like the rules: every code the parser can write is documented in the catalogue."""
import re
from pathlib import Path

import pytest

from parsing.extract.notes import NOTES, NOTES_BY_CODE, Notes
from parsing.rules import catalogue

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"[\"'](PARSE-[A-Z0-9-]+)[\"']")


def test_every_parse_code_in_the_source_is_in_the_table():
    used = set()
    for path in (ROOT / "parsing").rglob("*.py"):
        used |= set(CODE.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no parse codes at all"
    assert used <= set(NOTES_BY_CODE), sorted(used - set(NOTES_BY_CODE))


def test_every_note_is_in_the_catalogue_with_its_message():
    text = catalogue()
    for n in NOTES:
        assert f"| {n.code} |" in text
        assert n.description.split("。")[0] in text


def test_an_undocumented_code_cannot_be_written():
    with pytest.raises(KeyError):
        Notes().add("PARSE-NOT-IN-THE-TABLE")


def test_a_note_message_is_formatted_from_its_parameters():
    notes = Notes()
    notes.add("PARSE-ROW-MISSING", table="三", row="四、结转下年度继续办理", leaf="四、结转下年度继续办理")
    row = notes.frame().iloc[0]
    assert row["rule"] == "PARSE-ROW-MISSING" and row["severity"] == "warning"
    assert row["message"] == "表三中没有找到“四、结转下年度继续办理”行。"
