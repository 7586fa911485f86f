"""The garbage collector in a worker (parsing.workers._serve): what the worker imported before its first task is
frozen (gc.freeze), so the full collections during a parse do not walk the parser's and pandas' objects; what
tasks leave behind is not frozen and is still collected; and a parse in such a worker gives what it gives here."""
import gc
import pickle
import weakref
from pathlib import Path

from parsing import pipeline, workers
from parsing.workers import Pool, Task

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"
_LEFT = []


class _Node:
    pass


def frozen_count(on_page=None):
    return gc.get_freeze_count()


def leave_a_cycle(on_page=None):
    """Make a reference cycle, keep only a weak reference to it: garbage for the collector."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    _LEFT.append(weakref.ref(a))
    return len(_LEFT), gc.get_freeze_count()


def cycle_collected(on_page=None):
    gc.collect()
    return [r() is None for r in _LEFT]


def parse_pickled(data, name, on_page=None):
    return pickle.dumps(pipeline.parse_and_check(data, name, None, pipeline.default_check())[1])


def _run(pool, *tasks):
    return [o.value for o in pool.run([Task(i, "x", fn, args) for i, (fn, args) in enumerate(tasks)])]


def test_a_worker_freezes_its_imports_and_still_collects_what_tasks_leave():
    """Frozen at the start and after the first task, whose garbage is collected first; a later task's garbage
    is collected as usual."""
    with Pool(1) as pool:
        (n1, first), (n2, second), collected = _run(pool, (leave_a_cycle, ()), (leave_a_cycle, ()),
                                                    (cycle_collected, ()))
    assert first > 10_000  # the parser, pandas and pdfplumber imported
    assert second > first  # the first task's imports too
    assert (n1, n2) == (1, 2) and collected == [True, True]


def test_a_parse_in_a_frozen_worker_finds_what_it_finds_here():
    import pandas as pd

    files = [SAMPLES / "000_f2cddb79f4434941.pdf", SAMPLES / "003_f33e39129a8130ac.pdf"]
    with Pool(1) as pool:
        got = _run(pool, *[(parse_pickled, (p.read_bytes(), p.name)) for p in files])
    for p, g in zip(files, got):
        want = pipeline.parse_and_check(p.read_bytes(), p.name, None, pipeline.default_check())[1]
        pd.testing.assert_frame_equal(pickle.loads(g), want)
    assert workers._PRELOAD  # the forkserver imports the parser before the worker freezes it
