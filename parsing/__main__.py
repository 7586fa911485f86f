"""``python -m parsing``: the command line of :mod:`parsing.cli`."""
import sys

# Commands that parse in the local worker pool (import, and parsing files given by name) start its forkserver
# first: it imports the parser (about 1.5 s of CPU) while this process imports the command line, pandas and the
# store, instead of after them.
_NO_POOL = {"export", "delete", "fetch", "-h", "--help"}


def _uses_local_pool(argv: list[str]) -> bool:
    return bool(argv) and argv[0] not in _NO_POOL and not any(
        a in ("-h", "--help") or a.startswith("--scheduler") for a in argv)


# What keeps ``import``'s process at one thread until its workers are forked (parsing.workers.fork_safe): numpy's
# OpenBLAS starts a thread per further core at import and pyarrow's bundled jemalloc a background thread (its
# pool is not the default one, mimalloc is). A user's own setting is kept; with it the workers come from the
# forkserver as before.
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}


def _forks_workers(argv: list[str]) -> bool:
    """``import`` with local workers forks them (parsing.cli._forked_pool) instead of starting the forkserver."""
    return _uses_local_pool(argv) and argv[0] == "import"


if __name__ == "__main__":
    if _forks_workers(sys.argv[1:]):
        import os

        for k, v in _ONE_THREAD.items():
            os.environ.setdefault(k, v)
    elif _uses_local_pool(sys.argv[1:]):
        from .workers import prestart

        prestart()
    from .cli import main

    sys.exit(main())
