"""Near-duplicate text detection for 内容雷同 checks: character n-gram Jaccard similarity.

Texts are first reduced to their CJK and Latin letters (digits, punctuation and whitespace
dropped, so a report copied with only the year and the figures changed still counts as a
copy). Each text becomes a set of character n-grams encoded as integers. Similarity is the
exact Jaccard index of two such sets.

For many texts, :func:`similar_pairs` first finds candidate pairs with MinHash and banding
(locality-sensitive hashing) and then computes the exact Jaccard only for those, so a batch of
a thousand reports does not need half a million set intersections.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

import numpy as np

NGRAM = 3
# Below this many characters (after cleaning) a text is too short to call a copy.
MIN_CHARS = 60
# Above this many texts, candidates come from MinHash banding instead of all pairs.
EXACT_LIMIT = 60

_DROP = re.compile(r"[^A-Za-z\u3400-\u9fff]+")


def clean(text: str) -> str:
    """Letters only: NFKC, then drop digits, punctuation, whitespace and table rules."""
    if not text:
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", text))


def shingles(text: str, n: int = NGRAM) -> frozenset:
    """The set of character n-grams of ``clean(text)``, each packed into one int.

    Returns an empty set when the cleaned text is shorter than :data:`MIN_CHARS`.
    """
    s = clean(text)
    if len(s) < MIN_CHARS:
        return frozenset()
    codes = [ord(ch) for ch in s]
    out = set()
    for i in range(len(codes) - n + 1):
        key = 0
        for c in codes[i:i + n]:
            key = (key << 21) | c  # code points fit in 21 bits; 3 * 21 = 63 bits
        out.add(key)
    return frozenset(out)


def jaccard(a: frozenset, b: frozenset) -> float:
    """Jaccard index of two shingle sets; 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


# --- MinHash with banding -------------------------------------------------------------

_PERMS = 64
_BANDS = 16  # 16 bands x 4 rows: pairs with J >= 0.9 become candidates with p > 0.999
_rng = np.random.default_rng(20211)
_A = (_rng.integers(1, 2**63 - 1, size=_PERMS, dtype=np.int64).astype(np.uint64) * np.uint64(2)) + np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=_PERMS, dtype=np.int64).astype(np.uint64)


def _signature(sh: frozenset) -> np.ndarray:
    x = np.fromiter(sh, dtype=np.uint64, count=len(sh))
    with np.errstate(over="ignore"):
        h = x[None, :] * _A[:, None] + _B[:, None]  # multiply-add hashing mod 2**64
        h ^= h >> np.uint64(29)
    return h.min(axis=1)


def _candidates(sets: Sequence[frozenset]) -> set[tuple[int, int]]:
    rows = _PERMS // _BANDS
    buckets: dict[tuple, list[int]] = {}
    for i, sh in enumerate(sets):
        if not sh:
            continue
        sig = _signature(sh)
        for b in range(_BANDS):
            buckets.setdefault((b, sig[b * rows:(b + 1) * rows].tobytes()), []).append(i)
    out = set()
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                out.add((members[x], members[y]))
    return out


def similar_pairs(sets: Sequence[frozenset], threshold: float,
                  allowed: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with ``i < j`` and Jaccard >= ``threshold``.

    ``allowed`` optionally restricts the pairs considered. Exact for up to
    :data:`EXACT_LIMIT` texts; above that, candidate pairs come from MinHash banding, which
    misses a pair at similarity 0.9 with probability below 0.1 %.
    """
    n = len(sets)
    if n <= EXACT_LIMIT:
        pairs = {(i, j) for i in range(n) for j in range(i + 1, n)}
    else:
        pairs = _candidates(sets)
    if allowed is not None:
        pairs &= {(min(i, j), max(i, j)) for i, j in allowed}
    out = []
    for i, j in sorted(pairs):
        s = jaccard(sets[i], sets[j])
        if s >= threshold:
            out.append((i, j, s))
    return out
