"""Scoring and writing the breakdowns of a province-sized run, without the database.

The product's scoring (integer numerators and denominators, repeated numbers
written once, the cyclic collector paused as ``execute_run`` pauses it) against
the earlier implementation in plain ``Fraction``/``Decimal`` that
``tests/test_rating_exact.py`` keeps as its oracle, on the same random inputs
(9,960 companies of 1-8 communities, the shipped model), alternating, best of
``--repeat``; the results are checked equal.  CPU seconds of this process, so
that a loaded machine disturbs the comparison less.

    uv run python -m benchmarks.rating_scoring [--companies 9960] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import time

from red_property.rating.inputs import digest
from red_property.rating.model import parse_model
from red_property.rating.runs import DecimalText, breakdown, cyclic_gc_paused
from red_property.rating.scoring import rate
from tests.test_rating_exact import TODAY, random_companies, reference_breakdown, reference_digest, reference_rate
from tests.test_rating_model import SHIPPED


def product(model, companies):
    with cyclic_gc_paused():
        scores = rate(model, companies, TODAY)
        num = DecimalText()
        rows = [json.dumps(breakdown(s, num)) for s in scores]
        return scores, rows, digest(companies, SHIPPED, TODAY)


def earlier(model, companies):
    scores = reference_rate(model, companies, TODAY)
    rows = [json.dumps(reference_breakdown(s)) for s in scores]
    return scores, rows, reference_digest(companies, SHIPPED, TODAY)


def main() -> None:
    parser = argparse.ArgumentParser(description="rating scoring: product vs the earlier fraction implementation")
    parser.add_argument("--companies", type=int, default=9960)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    model = parse_model(SHIPPED)
    companies = random_companies(model, random.Random(14), n=args.companies)
    best = {"product": 1e9, "earlier": 1e9}
    results = {}
    for _ in range(args.repeat):
        for name, fn in (("earlier", earlier), ("product", product)):
            started = time.process_time()
            scores, rows, fingerprint = fn(model, companies)
            best[name] = min(best[name], time.process_time() - started)
            results[name] = ([(s.company_id, s.score, s.grade, s.rank) for s in scores], rows, fingerprint)
            del scores, rows
    assert results["product"] == results["earlier"], "the product's results differ from the earlier implementation"
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{args.companies} companies, score + grade + breakdowns (JSON) + input digest, CPU s, best of {args.repeat}:")
    print(f"product {best['product']:.2f}   earlier (Fraction) {best['earlier']:.2f}   "
          f"ratio {best['product'] / best['earlier']:.2f}   results equal: yes")


if __name__ == "__main__":
    main()
