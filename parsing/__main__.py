"""``python -m parsing``: the command line of :mod:`parsing.cli`."""
import sys

# Commands that parse in the local worker pool (import, and parsing files given by name) start its forkserver
# first: it imports the parser (about 1.5 s of CPU) while this process imports the command line, pandas and the
# store, instead of after them.
_NO_POOL = {"export", "delete", "fetch", "-h", "--help"}


def _uses_local_pool(argv: list[str]) -> bool:
    return bool(argv) and argv[0] not in _NO_POOL and not any(
        a in ("-h", "--help") or a.startswith("--scheduler") for a in argv)


if __name__ == "__main__":
    if _uses_local_pool(sys.argv[1:]):
        from .workers import prestart

        prestart()
    from .cli import main

    sys.exit(main())
