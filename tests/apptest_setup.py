"""Streamlit's AppTest made to start a session as the server does.

``scan_components_once()``: Streamlit's scan of the installed packages for custom components runs once per
process, as in the server: ``Runtime`` scans at start (streamlit/runtime/runtime.py), while every new ``AppTest``
scans again before its first run (streamlit/testing/v1/app_test.py), reading the metadata of every installed
package (about 0.7 s here, some 380 packages). The dashboard uses no custom components, and the first scan's
result is the one every later session gets, as a server's sessions do. Used by the tests (conftest) and by
``bench/dashboard_bench.py``, whose "first load in a new session" would otherwise count a cost that no reviewer's
page load pays.
"""
from __future__ import annotations


def scan_components_once() -> None:
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    if getattr(scan, "_once", False):
        return
    done: list = []

    def once(*args, **kwargs):
        if not done:
            done.append(scan(*args, **kwargs))
        return list(done[0])

    once._once = True
    manifest_scanner.scan_component_manifests = once
