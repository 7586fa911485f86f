"""The OCR engine: one rapidocr engine per process, called one step at a time.

rapidocr 3.x on onnxruntime with the models that ship inside the rapidocr wheel (PP-OCRv6
small det + rec; the wheel holds no cheaper ones, any other model would be downloaded at
run time, which :func:`create_engine` refuses, and the PP-OCRv4 mobile recogniser that
rapidocr_onnxruntime 1.4 ships costs more per column of input than PP-OCRv6 small here).
:class:`OcrEngine` wraps it with two calls:

* :meth:`OcrEngine.detect`: the text lines of a whole page (detection only), once per page;
* :meth:`OcrEngine.recognise`: the text of many line images, in batches cut by width
  (:func:`recognise_in_runs`).

rapidocr keeps the ``use_det``/``use_cls``/``use_rec`` flags of a call on the engine
(``RapidOCR.__call__`` -> ``update_params``), so a call that leaves one out inherits the
previous call's: every call here spells out every flag (:data:`DETECT_FLAGS`), and recognition
goes straight to the recogniser, which has no flags (its ``resize_norm_img``, ``session`` and
``postprocess_op``, as its own ``__call__`` uses them).
"""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np

# rapidocr settings (tech-notes §2.2; measured again with bench/ocr_bench.py):
# * the wheel's default models only (no download);
# * no classifier for upside-down lines (pages are upright; it costs ~10 %);
# * the detector works on the page scaled to at most 1280 px on its long side (3.5 s instead of
#   5.7 s per page, same accuracy);
# * one onnxruntime thread per engine: a second thread cut the wall time little on 2 cores and
#   cost ~40 % more CPU (threads spin while they wait); parallelism comes from one worker
#   process per core;
# * recognition pads a batch of line images only to the widest of them: rapidocr's default
#   pads every line to at least 320 px (a ratio of 6.7), so a one-digit cell cost as much as a
#   seven-character label. Lines are sorted by width first, so a batch holds similar widths;
# * batches are cut by width, not by count (:func:`recognise_in_runs`): lines sorted by width
#   go together while lines x the widest stays within REC_RUN_WIDTH columns of model input, so
#   a body line is read alone, unpadded, and a batch of number cells holds up to a dozen. Six
#   lines of any width (rapidocr's batch) padded the short lines of a page to its body lines'
#   width, and six body lines (megabytes of activations) leave the CPU's caches: 25-30 % less
#   recognition CPU, the same cells and golden files (bench/ocr_bench.py).
REC_RUN_WIDTH = 600
ENGINE_PARAMS = {
    "Global.use_cls": False,
    "Global.log_level": "warning",
    "Det.limit_type": "max",
    "Det.limit_side_len": 1280,
    "Rec.rec_img_shape": [3, 48, 48],
    "Rec.rec_batch_num": 6,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}
# Every flag of RapidOCR.__call__ that it stores on the engine, for the one call made through it.
DETECT_FLAGS = {"use_det": True, "use_cls": False, "use_rec": False, "return_word_box": False,
                "return_single_char_box": False}
TEXT_SCORE = 0.5  # lines recognised with a lower score are dropped (rapidocr's own default filter)


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be created (missing package, or a model would be downloaded)."""


class OcrEngine:
    """The two steps of OCR on one rapidocr engine (create it with :func:`get_engine`)."""

    def __init__(self, rapid):
        self.rapid = rapid

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Quadrilaterals (4 x 2 float arrays, image pixels) of the text lines of an RGB image."""
        out = self.rapid(image, **DETECT_FLAGS)
        boxes = getattr(out, "boxes", None)
        return [] if boxes is None else [np.asarray(q, dtype=np.float32) for q in boxes]

    def recognise(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, score) of each line image (grey or RGB), in batches cut by width."""
        if not lines:
            return []
        rgb = [np.ascontiguousarray(np.stack([x] * 3, axis=-1) if x.ndim == 2 else x) for x in lines]
        load = getattr(self.rapid, "_load_rec_model", None)  # rapidocr's lazy loader of its TextRecognizer
        if load is None:  # an engine that only offers the batched call (a stand-in in tests)
            out = self.rapid.recognize_txt(rgb)
            return [((t or "").strip(), float(s)) for t, s in zip(out.txts, out.scores)]
        return recognise_in_runs(load(), rgb)


def recognise_in_runs(rec, imgs: list[np.ndarray], run_width: int = REC_RUN_WIDTH) -> list[tuple[str, float]]:
    """(text, score) of each image, read by rapidocr's ``TextRecognizer`` ``rec`` in batches cut by
    width: sorted by width ratio, a batch takes the next line while its count x its widest line
    (at the recogniser's height, at least its minimum width) is at most ``run_width`` columns.
    Each batch is padded to its widest line and decoded as ``TextRecognizer.__call__`` does."""
    _, height, min_width = rec.rec_image_shape[:3]
    ratios = [im.shape[1] / float(im.shape[0]) for im in imgs]
    batches: list[list[int]] = []
    for n in np.argsort(np.array(ratios)):
        width = height * max(min_width / height, ratios[n])
        if batches and (len(batches[-1]) + 1) * width <= run_width:
            batches[-1].append(int(n))
        else:
            batches.append([int(n)])
    out: list[tuple[str, float]] = [("", 0.0)] * len(imgs)
    for batch in batches:
        widest = max([min_width / height] + [ratios[n] for n in batch])
        norm = np.concatenate([rec.resize_norm_img(imgs[n], widest)[np.newaxis, :] for n in batch]).astype(np.float32)
        lines, _ = rec.postprocess_op(rec.session(norm), False, wh_ratio_list=[ratios[n] for n in batch],
                                      max_wh_ratio=widest)
        for n, (text, score) in zip(batch, lines):
            out[n] = ((text or "").strip(), float(score))
    return out


_ENGINE: Optional[OcrEngine] = None
_ENGINE_LOCK = threading.Lock()


def _forbid_downloads() -> None:
    """Make any model download inside rapidocr fail at once instead of reaching the network."""
    from rapidocr.utils import download_file

    def refuse(url, logger):  # pragma: no cover - only reached with a non-default model
        raise OcrUnavailable(f"rapidocr tried to download a model ({url}); only the bundled models may be used")

    download_file.DownloadFile._make_http_request = staticmethod(refuse)


def create_engine() -> OcrEngine:
    """A new engine with :data:`ENGINE_PARAMS` (prefer :func:`get_engine`)."""
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"rapidocr is not installed: {exc}") from exc
    _forbid_downloads()
    return OcrEngine(RapidOCR(params=dict(ENGINE_PARAMS)))


def get_engine() -> OcrEngine:
    """The process-wide OCR engine, created on first call (thread-safe)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = create_engine()
    return _ENGINE
