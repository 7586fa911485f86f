"""``python -m parsing``: the command line of :mod:`parsing.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
