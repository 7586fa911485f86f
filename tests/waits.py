"""How long a test waits for the app: long enough to tell a hang from a busy machine, never a speed check.

A test that needs the dashboard to answer waits up to HANG_SECONDS; on a machine busy with other work the app
is slower, not wrong, and the test still passes. Performance is measured by the benchmarks, as ratios.
"""
HANG_SECONDS = 1200
HANG_MS = HANG_SECONDS * 1000
