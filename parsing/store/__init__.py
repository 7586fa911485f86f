"""The store of record: every checked report, kept across sessions and years, in one SQLite file.

``from parsing.store import Store`` is all a caller needs. The package is split by job:

* :mod:`.db` - where the file lives and who may read it (0600 / 0700), the connection, transactions, and the
  migrations on ``PRAGMA user_version``;
* :mod:`.reports` - writing and reading whole reports; the current version of a body and year (the reviewer's
  pinned choice, else the best source: text layer over OCR, more cells read, newer parser, last stored; with the
  reason in Chinese);
* :mod:`.review` - the reviewer's decisions on findings, hand corrections of cells, publication dates entered;
* :mod:`.queries` - listings, versions, long values and findings for the dashboard and exports;
* :mod:`.roster` - the roster of bodies that must report (with each body's annual-report column page) and the
  matching of report bodies to it;
* :mod:`.sources` - where fetched reports came from (URL, final URL, when, the publication date shown).

The order parse -> check -> store -> re-check the neighbouring years lives in :mod:`parsing.pipeline`;
:meth:`Store.recheck` and :meth:`Store.reparse_all` call it.

A report is keyed by the SHA-256 of its bytes. Each write of a report is one transaction: its metadata, values,
sections, parse notes, rule findings and (optionally) its original file are written together or not at all.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`). ``values`` is an SQL keyword, so the long value table is
``cell_values``; it refers to reports and cells by integer ids to keep a province-sized store small:

* ``reports(id, sha256 UNIQUE, file_name, body, body_key, region, year, ..., pinned, is_current, cells_read,
  current_reason)``
* ``cells(cell_id, table_id, row_key, col_key)`` - one row per distinct cell label
* ``cell_values(report_id, seq, cell_id, value, raw, page, status, form, confidence, bbox)``
* ``sections``, ``findings`` (``kind`` = ``note`` for parse notes, ``finding`` for rule findings), ``files``,
  ``decisions``, ``corrections``, ``publication_dates``, ``roster`` (with ``report_url``), ``roster_matches``;
* ``sources(sha256, url, final_url, via_url, link_text, year_asked, fetched_at, published, published_source,
  content_type, content_sha256)`` - one row per place a report was fetched from;
* ``report_summary(report_id, n_findings, error, warning, info, n_open, s1 … s6)`` - per report what the
  dashboard's summaries count (rule findings, by severity without the dismissed ones, undecided ones; sections
  found), kept by triggers in every write transaction (schema 11).

This package never imports streamlit or plotly.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from .db import DEFAULT_PATH, ENV_VAR, SCHEMA_VERSION, Database, default_path
from .queries import QueriesMixin
from .reports import (CheckFn, ParseFn, ReportsMixin, best_version, body_key, cells_read, finding_key,
                      report_body_key)
from .review import CORRECTED, DECISION_STATUSES, PUBLISHED_BY_REVIEWER, ReviewMixin, apply_corrections, apply_published
from .roster import RosterMixin, display_name, match_roster
from .sources import PUBLISHED_SOURCE_ZH, PUBLISHED_SOURCES, SourceRow, SourcesMixin


class Store(ReportsMixin, ReviewMixin, QueriesMixin, RosterMixin, SourcesMixin, Database):
    """An embedded SQLite store of parsed reports, their findings and the reviewer's work.

    ``Store(path=None)`` opens (and creates, with private parent folders) the database at ``path``, or at
    :func:`default_path`; a path that is a folder or cannot be written raises :class:`parsing.model.ReportError`.
    One object may be shared by threads; other processes may open the same file at the same time. Use it as a
    context manager or call :meth:`close`.
    """

    def recheck(self, shas: Iterable[str], check_fn: CheckFn) -> None:
        """Re-run ``check_fn(report, previous=...)`` on the corrected reports and replace their stored findings
        (:func:`parsing.pipeline.recheck`)."""
        from ..pipeline import recheck

        recheck(self, shas, check_fn)

    def reparse_all(self, parse_fn: Optional[ParseFn] = None, check_fn: Optional[CheckFn] = None,
                    progress: Optional[Callable[[int, int, str, str], None]] = None, workers: int = 1) -> dict:
        """Re-parse every stored report that kept its original file (:func:`parsing.pipeline.reparse`)."""
        from ..pipeline import reparse

        return reparse(self, parse_fn=parse_fn, check_fn=check_fn, progress=progress, workers=workers)


__all__ = ["Store", "SCHEMA_VERSION", "ENV_VAR", "DEFAULT_PATH", "default_path", "body_key", "report_body_key",
           "finding_key", "best_version", "cells_read", "apply_corrections", "match_roster", "CheckFn", "ParseFn",
           "CORRECTED", "DECISION_STATUSES", "PUBLISHED_BY_REVIEWER", "apply_published", "display_name",
           "SourceRow", "PUBLISHED_SOURCES", "PUBLISHED_SOURCE_ZH"]
