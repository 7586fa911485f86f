"""Where fetched reports came from: the ``sources`` table (schema 6).

One report (keyed by the SHA-256 of the bytes it was parsed from) may have several sources: the URL it was asked
for, the URL the bytes came from after redirects (``final_url``), the page that linked to it (``via_url``: a list
page or the report page whose attachment it is), when it was fetched (Beijing time), and the publication date the
page shows with where that date was read (``published_source``). A report page and its attachment holding the same
report are one report with two sources; ``content_sha256`` is the fingerprint of the bytes of each source (equal
to ``sha256`` for the one the report was parsed from).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pandas as pd

# Where a publication date was read, best first (the order the fetcher prefers them in)
PUBLISHED_SOURCES = ("page", "html-meta", "list", "report-text", "pdf-metadata", "docx-metadata", "http-header")
PUBLISHED_SOURCE_ZH = {
    "page": "网页上的发布时间", "html-meta": "网页的元数据", "list": "列表页上的日期", "report-text": "报告正文中的发布时间",
    "pdf-metadata": "PDF 文件属性（创建日期）", "docx-metadata": "Word 文件属性（创建日期）",
    "http-header": "网站返回的修改时间（Last-Modified）",
}


@dataclass
class SourceRow:
    """One source of a stored report (a row of ``sources``)."""

    sha256: str
    url: str
    final_url: str
    fetched_at: str
    content_sha256: str
    via_url: Optional[str] = None
    link_text: Optional[str] = None
    year_asked: Optional[int] = None
    published: Optional[str] = None
    published_source: Optional[str] = None
    content_type: Optional[str] = None


_COLUMNS = ("sha256", "url", "final_url", "via_url", "link_text", "year_asked", "fetched_at", "published",
            "published_source", "content_type", "content_sha256")


class SourcesMixin:
    """The sources of fetched reports (mixed into :class:`parsing.store.Store`)."""

    def add_source(self, row: SourceRow) -> None:
        """Record one source of a stored report (the same report, final URL and asked URL again: updated)."""
        with self._tx() as c:
            if not c.execute("SELECT 1 FROM reports WHERE sha256=?", (row.sha256,)).fetchone():
                raise KeyError(f"no stored report with sha256 {row.sha256}")
            c.execute(f"INSERT OR REPLACE INTO sources({', '.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                      tuple(getattr(row, k) for k in _COLUMNS))

    def sources(self, sha256: Optional[str] = None) -> pd.DataFrame:
        """The sources of one report (or of every report), oldest first."""
        cols = ", ".join(_COLUMNS)
        if sha256 is None:
            return self._frame(f"SELECT {cols} FROM sources ORDER BY id")
        return self._frame(f"SELECT {cols} FROM sources WHERE sha256=? ORDER BY id", (sha256,))

    def source_published(self, sha256: str) -> tuple[Optional[str], Optional[str]]:
        """The best publication date the sources of a report show, and where it was read (``(None, None)``)."""
        rows = self._query("SELECT published, published_source FROM sources WHERE sha256=? AND published IS NOT NULL",
                           (sha256,))
        if not rows:
            return None, None
        rank = {s: i for i, s in enumerate(PUBLISHED_SOURCES)}
        return min(rows, key=lambda r: (rank.get(r[1], len(rank)), r[0]))

    def fetched(self, url: str, year: Optional[int]) -> list[str]:
        """Reports still stored that a fetch of ``url`` (for ``year``) stored before: what a resumed fetch skips."""
        rows = self._query("SELECT DISTINCT s.sha256 FROM sources s JOIN reports r ON r.sha256=s.sha256"
                           " WHERE s.url=? AND s.year_asked IS ?", (url, year))
        return [r[0] for r in rows]

    def fetched_from(self, final_url: str) -> Optional[str]:
        """The stored report whose bytes (or an identical rendition's) came from ``final_url``, if any."""
        row = self._query("SELECT s.sha256 FROM sources s JOIN reports r ON r.sha256=s.sha256 WHERE s.final_url=?"
                          " ORDER BY s.id DESC LIMIT 1", (final_url,))
        return row[0][0] if row else None
