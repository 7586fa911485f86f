"""Import straight from government sites: URLs, or the roster's 年报栏目 pages -> pages and attachments -> the store.

* :mod:`.client` - the safe, polite HTTP client (httpx): http(s) only, no address inside the office unless allowed,
  timeouts, size and redirect caps, per-host manners, robots.txt, Chinese messages;
* :mod:`.pages` - what a fetched page says: report links naming a year, attachments, publication dates;
* :mod:`.run` - a whole fetch: resume, fetch, parse through the one pipeline, one report with several sources,
  store with the sources.

``python -m parsing fetch FILE [--year Y]`` and the dashboard's 从网站导入 page call :func:`fetch`.
This package never imports streamlit or plotly.
"""
from .client import BEIJING, ENV_ALLOW, Client, FetchError, Settings
from .run import (CHOOSE, FAILED, IMPORTED, SKIPPED, STATUS_ZH, UNCHANGED, Job, Outcome, default_year, fetch,
                  looks_like_report, read_url_file, roster_jobs, same_report)

__all__ = ["fetch", "Job", "Outcome", "Settings", "Client", "FetchError", "read_url_file", "roster_jobs",
           "default_year", "same_report", "looks_like_report", "IMPORTED", "UNCHANGED", "SKIPPED", "FAILED",
           "CHOOSE", "STATUS_ZH", "BEIJING", "ENV_ALLOW"]
