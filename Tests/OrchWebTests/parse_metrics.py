#!/usr/bin/env python3
"""Checks a /metrics scrape with Prometheus' own text-format parser.

Usage: parse_metrics.py SCRAPE_FILE [COUNTER ...]

Every COUNTER named must be present with at least one labelled sample.
Every histogram must be sane: `le` strictly increasing and ending in +Inf,
cumulative counts non-decreasing, the +Inf bucket equal to `_count`, and a
`_sum` that is not negative. Exits non-zero on any problem (a missing
prometheus_client too: the test must fail, not skip).
"""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def labels_without_le(sample):
    return tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))


def main():
    if len(sys.argv) < 2:
        print("usage: parse_metrics.py SCRAPE_FILE [COUNTER ...]", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    problems = []
    families = {}
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = family
    except Exception as error:  # the parser's own complaint is the finding
        print(f"not valid Prometheus text format: {error}", file=sys.stderr)
        return 1

    # The parser names a counter family without its `_total`.
    for wanted in sys.argv[2:]:
        name = wanted[:-len("_total")] if wanted.endswith("_total") else wanted
        family = families.get(name)
        if family is None or family.type != "counter":
            problems.append(f"counter {wanted} missing (families: {sorted(families)})")
            continue
        if not any(s.name == wanted and s.labels for s in family.samples):
            problems.append(f"counter {wanted} has no labelled sample")

    histograms = 0
    for family in families.values():
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            series.setdefault(labels_without_le(sample), []).append(sample)
        for labels, samples in series.items():
            histograms += 1
            where = f"{family.name}{dict(labels)}"
            buckets = [s for s in samples if s.name == family.name + "_bucket"]
            counts = [s for s in samples if s.name == family.name + "_count"]
            sums = [s for s in samples if s.name == family.name + "_sum"]
            if not buckets or len(counts) != 1 or len(sums) != 1:
                problems.append(f"{where}: needs buckets, one _count and one _sum")
                continue
            bounds = [float(s.labels["le"]) for s in buckets]
            values = [s.value for s in buckets]
            if any(later <= earlier for earlier, later in zip(bounds, bounds[1:])):
                problems.append(f"{where}: le not strictly increasing: {bounds}")
            if not math.isinf(bounds[-1]):
                problems.append(f"{where}: the last bucket is not +Inf")
            if any(later < earlier for earlier, later in zip(values, values[1:])):
                problems.append(f"{where}: cumulative counts decrease: {values}")
            if values[-1] != counts[0].value:
                problems.append(f"{where}: +Inf bucket {values[-1]} != _count {counts[0].value}")
            if sums[0].value < 0:
                problems.append(f"{where}: negative _sum {sums[0].value}")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {len(families)} families, {histograms} histogram series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
