"""The intermediate every reader produces, and the error type shown to users.

A reader turns file bytes into a :class:`Document`: an ordered list of text blocks and
tables (as grids of cells), each carrying the page it came from. Everything after the
reader (section finding, table matching, rules) works on this shape only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


class ReportError(Exception):
    """A problem with the user's data, with a Chinese message meant for the reviewer.

    ``message`` is shown as is in the CLI and the dashboard; ``details`` holds technical
    context (exception text, sizes) for logs and tests.
    """

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass
class Cell:
    """One cell of a table grid as the reader saw it.

    ``text`` is the raw text ('' for an empty cell). ``page`` is 1-based or None for formats
    without pages. ``bbox`` is (x0, top, x1, bottom) in PDF points where known.
    ``confidence`` is set by OCR readers (0..1); None means text layer / exact.
    """

    text: str
    page: Optional[int] = None
    bbox: Optional[tuple] = None
    confidence: Optional[float] = None


@dataclass
class TextBlock:
    """A paragraph or line of running text, in reading order.

    ``words`` (PDF lines that look like table rows): the line's words as cells with their boxes, so that
    numbers of a table printed without rules can be placed by where they stand.
    """

    text: str
    page: Optional[int] = None
    words: Optional[list] = None


@dataclass
class Grid:
    """A table as a list of rows of cells.

    A slot covered by a merged cell may be ``None`` (pdfplumber) or repeat the merged
    cell's text (python-docx, pandas.read_html); the matcher copes with both.
    """

    rows: list[list[Optional[Cell]]]
    page: Optional[int] = None
    bbox: Optional[tuple] = None
    # the slots are the table's columns (HTML, DOCX and PDF tables): a cell's index is its column, the same
    # in every row; False where rows are only lists of cells (text split at tabs or pipes may shift)
    aligned: bool = True


Item = Union[TextBlock, Grid]


@dataclass
class Document:
    """What a reader returns: the file's content in order, plus reader notes.

    ``notes`` are Chinese sentences about what the reader could not do (e.g. a page without
    a text layer). ``scanned_pages`` lists pages that have no text layer. ``meta`` holds what the
    file says about itself outside its text, e.g. ``{"published": "2024-01-20", "published_source":
    "html-meta"}`` from a web page's meta tags (read by :func:`parsing.extract.metadata.find_published`).
    """

    items: list[Item] = field(default_factory=list)
    format: str = ""
    # PDF: every line of every page in reading order, table text included (the items leave the text of the
    # tables found out, as their grids hold it): a second reading of the tables to check the grids against
    stream: Optional[list] = None
    page_count: Optional[int] = None
    notes: list[str] = field(default_factory=list)
    scanned_pages: list[int] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def grids(self) -> list[Grid]:
        return [i for i in self.items if isinstance(i, Grid)]

    def text_blocks(self) -> list[TextBlock]:
        return [i for i in self.items if isinstance(i, TextBlock)]
