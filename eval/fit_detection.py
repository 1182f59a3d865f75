"""Fit the institution detector's frequency-stage weights by leave-one-report-out cross-validation.

    python -m eval.fit_detection ../shared/wild_dev ../shared/wild_more ../shared/gov [--seeds ../shared/seeds]

Each folder holds docs/ and a manifest.jsonl (doc, institution). For every report and every
weight pair of a small grid it records whether detection is exact (index.metadata.same_institution);
then, for each report in turn, it picks the weights that do best on all the other reports and
scores the held-out report with them. It prints the grid's totals, the cross-validated rate and
the weights chosen most often (the ones index.metadata.WEIGHTS should hold).
"""
from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from pathlib import Path

from index.clean import clean_segments
from index.metadata import title_line, detect_institution, same_institution
from index.readers import read_file

GRID = {"self": [1, 2, 3, 5, 8], "proper": [0, 1, 2, 3]}
# The five seed reports' institutions (listed in ../shared/README.md and their own texts).
SEEDS = {"000_": "重庆理工大学", "001_": "湖南工商大学", "002_": "XX医学高等专科学校", "003_": "新疆医科大学厚博学院",
         "004_": "浙江工贸职业技术学院"}


def reports(folders: list[str], seeds: str | None) -> list[tuple[str, str, str]]:
    """(name, cleaned text, expected institution) of every report with a manifest entry."""
    out = []
    for f in folders:
        for line in (Path(f) / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append((f"{Path(f).name}/{r['doc']}", Path(f) / "docs" / r["doc"], r["institution"]))
    if seeds:
        for p in sorted(Path(seeds).glob("*.txt")):
            out.append((f"seeds/{p.name}", p, next(v for k, v in SEEDS.items() if p.name.startswith(k))))
    loaded = []
    for name, path, inst in out:
        _, _, segs = read_file(path, 10 ** 8)
        text, _ = clean_segments(segs)
        loaded.append((name, text, inst))
    return loaded


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--seeds")
    args = ap.parse_args(argv)
    data = reports(args.folders, args.seeds)
    combos = [dict(zip(GRID, v)) for v in itertools.product(*GRID.values())]
    right = []  # right[i][j]: report i is exact under combo j
    for _, text, inst in data:
        title = title_line(text.split("\n"))
        right.append([same_institution(detect_institution(text, title, w), inst) for w in combos])
    totals = [sum(r[j] for r in right) for j in range(len(combos))]
    for w, t in zip(combos, totals):
        print(f"self={w['self']} proper={w['proper']}: {t}/{len(data)}")
    chosen: Counter = Counter()
    held_right = 0
    for i in range(len(data)):
        # best on the others; ties go to the smallest weights (the simplest fit)
        j = max(range(len(combos)), key=lambda j: (totals[j] - right[i][j], -combos[j]["self"], -combos[j]["proper"]))
        chosen[(combos[j]["self"], combos[j]["proper"])] += 1
        held_right += right[i][j]
        if not right[i][j]:
            print(f"held out and missed: {data[i][0]} (expected {data[i][2]})")
    print(f"leave-one-report-out: {held_right}/{len(data)} exact ({held_right / len(data):.1%}); "
          f"weights chosen: {dict(chosen)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
