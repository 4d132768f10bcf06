"""The metric-source registry: windows, and what absence means."""
import datetime as dt
from fractions import Fraction

import pytest

from red_property.compliance.sources import SOURCES, Window, load_sources, value_for


def test_windows_cover_whole_months_up_to_the_end():
    w = Window.months_ending(dt.date(2026, 11, 25))
    assert (w.start, w.end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 25))
    assert len(w.months()) == 12 and w.months()[0] == (2025, 12) and w.months()[-1] == (2026, 11)
    assert Window.month(2024, 2) == Window(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert Window.months_ending(dt.date(2026, 1, 31), 1).months() == [(2026, 1)]


def test_absence_is_zero_or_missing_as_the_source_says():
    load_sources()
    assert SOURCES["party_coverage"].absent == 0
    measured = {"party_coverage": {(1, 2): Fraction(1)}}
    assert value_for("party_coverage", measured, (1, 2)) == 1
    assert value_for("party_coverage", measured, (1, 3)) == 0           # records exist: a real zero
    assert value_for("fee_collection_rate", measured, (1, 2)) is None  # not measured: missing


def test_a_source_must_name_a_known_metric():
    from red_property.compliance.sources import source

    with pytest.raises(KeyError, match="unknown metric"):
        source("no_such_metric", absent=None)


def test_every_records_link_names_a_page_that_takes_a_community(app):
    load_sources()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for metric, registered in SOURCES.items():
        for endpoint in (registered.records, registered.community_records):
            if endpoint:
                assert endpoint in endpoints, f"{metric}: no endpoint {endpoint}"
        if registered.community_records:
            rule = next(app.url_map.iter_rules(registered.community_records))
            assert "community_id" in rule.arguments, registered.community_records
