"""Times as reviewers read them: Beijing time (UTC+8, no daylight saving since 1991), one format everywhere.

The store writes :func:`now_iso` (ISO 8601 with the +08:00 offset); the dashboard and every export show
:func:`beijing` (``2026-12-01 16:40:12``), whatever offset an older store wrote its times in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Optional

BEIJING = timezone(timedelta(hours=8), "北京时间")
DISPLAY_FORMAT = "%Y-%m-%d %H:%M:%S"


def now() -> datetime:
    return datetime.now(BEIJING)


def now_iso() -> str:
    """This moment in Beijing time as stored: ``2026-12-01T16:40:12+08:00``."""
    return now().isoformat(timespec="seconds")


def today() -> date:
    """Today's date in Beijing (what a review note or a briefing is dated)."""
    return now().date()


def beijing(value) -> str:
    """A stored time as shown: converted to Beijing time, ``YYYY-MM-DD HH:MM:SS``; '' for none. A time without an
    offset (never written by this store) is taken as Beijing time; text that is not a time is returned as it is."""
    parsed = parse(value)
    if parsed is None:
        return "" if value is None or _blank(value) else str(value)
    return parsed.strftime(DISPLAY_FORMAT)


def parse(value) -> Optional[datetime]:
    """A stored time as an aware datetime in Beijing time, or None."""
    if value is None or _blank(value):
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BEIJING)
    return dt.astimezone(BEIJING)


def _blank(value) -> bool:
    try:
        return value != value or str(value).strip() in ("", "NaT", "None", "nan", "<NA>")
    except (TypeError, ValueError):
        return False
