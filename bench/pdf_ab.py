"""Text PDFs, parse + check against pypdfium2's plain text of the same pages, for one or more trees alternating.

    .venv/bin/python bench/pdf_ab.py . /path/to/older-checkout [--rounds 3] [--turns]

Each round runs each tree in a fresh process of this interpreter on the same 60 PDFs of the 240-file corpus
(``bench/corpus.py``), warmed first on five other PDFs, and prints the CPU milliseconds per page of our parse +
check (``parse_bytes`` then ``rules.check_report``) and of pypdfium2's plain text, and their ratio: issue 14's
figure, measured as ``bench/run.py --ratios`` measures it (each file's first parse in the process, each side in a
pass of its own). ``--turns`` times the two sides taking turns file by file instead (as the passes before
2026-12-02 morning did; our parse then pays for the allocator's tidying of what pypdfium2's close freed). The tree
run first in a round tends to look a little faster: compare rounds with each tree first.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r'''
import json, os, sys, time
from pathlib import Path
tree, n, turns = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
sys.path.insert(0, tree)
sys.path.insert(0, os.path.join(tree, "bench"))
from corpus import build_corpus
from run import ours, pdfium_text as floor  # that tree's own bench: its parse + check, pypdfium2's plain text

files = build_corpus(240, 0, None, lambda m: None)
pdfs = [f for f in files if f.kind in ("pdf", "sample")]
datas = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in pdfs[:n]]
warm = [(Path(f.path).read_bytes(), os.path.basename(f.path)) for f in pdfs[n:n + 5]]

for data, name in warm:
    ours(data, name)
    floor(data)
o = f = 0.0
pages = 0
if turns:
    for data, name in datas:
        t = time.process_time(); ours(data, name); o += time.process_time() - t
        t = time.process_time(); pages += floor(data); f += time.process_time() - t
else:
    t = time.process_time()
    for data, name in datas:
        ours(data, name)
    o = time.process_time() - t
    t = time.process_time()
    pages = sum(floor(data) for data, _ in datas)
    f = time.process_time() - t
print(json.dumps({"ours": o / pages * 1000, "floor": f / pages * 1000, "pages": pages}))
'''


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="+", help="checkouts of this repository")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=60, help="PDFs timed (default 60)")
    ap.add_argument("--turns", action="store_true", help="the two sides taking turns file by file")
    a = ap.parse_args(argv)
    for r in range(a.rounds):
        for tree in a.trees:
            out = subprocess.run([sys.executable, "-c", CHILD, os.path.abspath(tree), str(a.n), "1" if a.turns else "0"],
                                 capture_output=True, text=True)
            if out.returncode:
                print(f"round {r} {tree}: failed\n{out.stderr[-2000:]}")
                continue
            d = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"round {r} {tree:30s} ours {d['ours']:6.2f} ms/page  pypdfium2 {d['floor']:5.2f}  "
                  f"ratio {d['ours'] / d['floor']:4.2f}x  pages {d['pages']}  load {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
