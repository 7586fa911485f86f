"""Deterministic task functions for the worker pool's tests (module level, so workers can unpickle them).

None of them depends on how fast the machine is: one spins until it is stopped, one sleeps and uses no CPU,
one burns a fixed amount of its own CPU time (``time.process_time``) per page.
"""
import os
import signal
import time


def echo(value, on_page):
    return value


def spin_forever(on_page):
    while True:
        pass


def sleep_then_return(seconds, value, on_page):
    """Waits without using CPU (a busy machine looks like this to a worker that waits for a core)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)
    return value


def sleep_forever(on_page):
    while True:
        time.sleep(1)


def burn_cpu(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def pages_of_cpu(pages: int, cpu_per_page: float, on_page):
    """Burns ``cpu_per_page`` seconds of CPU time per page and reports each page."""
    for p in range(1, pages + 1):
        burn_cpu(cpu_per_page)
        on_page(p, pages)
    return pages


def die(code, on_page):
    os._exit(code)


def kill_self(on_page):
    os.kill(os.getpid(), signal.SIGKILL)


def raise_error(on_page):
    raise ValueError("坏输入")


def grow_memory(mb: int, on_page):
    block = bytearray(mb * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    while True:  # hold it until stopped
        time.sleep(0.01)


def pid(on_page):
    return os.getpid()


def parse_or_spin(data: bytes, name: str):
    """A parser that spins forever on files named ``spin*`` and parses the others for real."""
    if name.startswith("spin"):
        spin_forever(None)
    from parsing import parse_bytes

    return parse_bytes(data, name)


def parse_v2(data: bytes, name: str):
    """An "upgraded" stand-in parser for re-parse tests: the synthetic report of tests/test_store.py with a
    marked title and one more blank cell of table 四's total column (so its findings change too).

    With ``$REPARSE_GATE`` set to ``FILE:N``, every call appends a byte to FILE and the calls after the N-th wait
    forever: a re-parse then stops, deterministically, after N files, however fast the machine is.
    """
    gate = os.environ.get("REPARSE_GATE")
    if gate:
        path, n = gate.rsplit(":", 1)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
        if os.path.getsize(path) > int(n):
            sleep_forever(None)
    from tests.test_store import parse_synthetic

    report = parse_synthetic(data, name)
    report.title = f"{report.title} v2"
    v = report.values
    hit = v.index[(v["table"] == "四") & (v["column"] == "总计") & (v["status"] == "ok")]
    if len(hit):
        v.loc[hit[0], ["value", "raw", "status"]] = [float("nan"), "", "blank"]
    return report


def order_gate(data: bytes) -> str:
    """The marker file of :func:`parse_first_finishes_last` for a report's text (the same for both its copies;
    warm workers may predate a test's environment, so the path comes from the bytes)."""
    import hashlib
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"order-gate-{hashlib.sha256(data.rstrip()).hexdigest()[:16]}")


def parse_first_finishes_last(data: bytes, name: str):
    """A real parse, except that a file named ``a_*`` waits until the file named ``b_*`` has been parsed (the
    marker file :func:`order_gate`): with two workers, the first file of a folder deterministically finishes last."""
    from parsing import parse_bytes

    gate = order_gate(data)
    if name.startswith("a_"):
        waited = 0.0
        while not os.path.exists(gate) and waited < 600:  # a hang guard, never a speed check
            time.sleep(0.05)
            waited += 0.05
        return parse_bytes(data, name)
    report = parse_bytes(data, name)
    open(gate, "w").close()
    return report


def parent_pid(on_page):
    """The worker's parent: the pool's process for a forked worker, the forkserver for the others."""
    return os.getppid()


def touch(path, on_page):
    """Creates ``path`` (a sign that the task ran) and returns it."""
    open(path, "w").close()
    return path
