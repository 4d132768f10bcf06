"""The rating model document: what is accepted, and how a bad one is refused."""
from fractions import Fraction
from pathlib import Path

import pytest

from red_property.rating.model import ModelError, parse_model

SHIPPED = (Path(__file__).resolve().parent.parent / "tenants" / "city-bureau" / "rating-model.toml").read_text("utf-8")

MINIMAL = """name = "测试模型"
[[indicators]]
id = "coverage"
metric = "party_coverage"
weight = 60
rule = "linear"
from = 0
to = 1

[[indicators]]
id = "fees"
metric = "fee_collection_rate"
weight = 40
rule = "steps"
steps = [[0.95, 1.0], [0.9, 0.85], [0.0, 0.0]]

[grades]
method = "threshold"
bands = [{ grade = "A", min = 80 }, { grade = "B", min = 60 }, { grade = "C", min = 0 }]
"""


def issues(text):
    with pytest.raises(ModelError) as excinfo:
        parse_model(text)
    return excinfo.value.issues


def test_the_shipped_model_is_valid():
    model = parse_model(SHIPPED)
    assert sum(i.weight for i in model.indicators) == 100
    assert [b.grade for b in model.bands] == ["AAA", "AA", "A", "B", "C"]
    assert model.deductions["blacklist"].blacklist and model.deductions["penalty"].until_rectified


def test_numbers_are_exact_fractions():
    model = parse_model(MINIMAL)
    assert model.indicators[1].steps[0] == (Fraction(19, 20), Fraction(1))


@pytest.mark.parametrize("change, path, line, words", [
    (("weight = 40", "weight = 45"), "indicators", 2, "权重合计为 105"),
    (('metric = "fee_collection_rate"', 'metric = "fees_paid"'), "indicators[1].metric", 12, "未知的指标来源"),
    (('{ grade = "B", min = 60 }', '{ grade = "B", min = 80 }'), "grades.bands", 19, "不重叠"),
    (('{ grade = "C", min = 0 }', '{ grade = "C", min = 10 }'), "grades.bands", 19, "应为 0"),
    (("[0.0, 0.0]]", "[0.5, 0.0]]"), "indicators[1].steps", 15, "最后一档"),
    (("[[0.95, 1.0], [0.9, 0.85]", "[[0.9, 1.0], [0.95, 0.85]"), "indicators[1].steps", 15, "从高到低"),
    (("to = 1\n", "to = 0\n"), "indicators[0].to", 8, "不能相等"),
    (('id = "fees"', 'id = "coverage"'), "indicators[1].id", 11, "重复"),
    (('weight = 60', 'weight = "60"'), "indicators[0].weight", 5, "应为数字"),
    (('rule = "linear"', 'rule = "curve"'), "indicators[0].rule", 6, "linear / steps"),
])
def test_a_bad_model_names_the_line_and_the_problem(change, path, line, words):
    found = issues(MINIMAL.replace(*change, 1))
    assert any(i.path == path and i.line == line and words in i.message for i in found), found


def test_every_problem_is_reported_at_once():
    bad = MINIMAL.replace("weight = 40", "weight = 45").replace('metric = "party_coverage"', 'metric = "x"')
    assert len(issues(bad)) == 2


def test_rank_share_bands_must_add_up_to_one():
    text = MINIMAL.replace('method = "threshold"', 'method = "rank_share"').replace(
        'bands = [{ grade = "A", min = 80 }, { grade = "B", min = 60 }, { grade = "C", min = 0 }]',
        'bands = [{ grade = "A", share = 0.2 }, { grade = "B", share = 0.5 }, { grade = "C", share = 0.2 }]')
    assert any("合计为 0.9" in i.message for i in issues(text))
    assert parse_model(text.replace("share = 0.2 }]", "share = 0.3 }]")).grade_method == "rank_share"


def test_not_toml_at_all():
    found = issues('name = "x"\nweight = = 3\n')
    assert (found[0].line, found[0].column) == (2, 10) and "值不正确" in found[0].message  # in Chinese, line and column


def test_bonus_items_cannot_be_blacklists():
    text = MINIMAL + '\n[bonus]\ncap = 5\n[[bonus.items]]\nkind = "award"\npoints = 2\nblacklist = true\n'
    assert any(i.path == "bonus.items[0]" and i.line == 23 for i in issues(text))


# -- hostile documents: every one is a RatingModel or a ModelError, never another exception ----

def test_a_model_nested_deep_is_refused_not_a_crash():
    for deep in ("x = " + "[" * 500 + "]" * 500, "x = " + "{a = " * 500 + "1" + "}" * 500,
                 "[" + ".".join(["a"] * 2000) + "]", MINIMAL + "extra = " + "[" * 17 + "]" * 17):
        found = issues(deep)
        assert len(found) == 1 and "nested deeper than 16" in found[0].message


@pytest.mark.parametrize("change, path", [
    (("", "bonus = 3\n"), "bonus"), (("", "overrides = 5\n"), "overrides"),
    (("", "appeals = []\n"), "appeals"), (("", "deductions = {items = [1]}\n"), "deductions.items[0]"),
    (('metric = "party_coverage"', 'metric = ["party_coverage"]'), "indicators[0].metric"),
    (("[0.95, 1.0]", "[inf, 1.0]"), "indicators[1].steps"), (("weight = 60", "weight = nan"), "indicators[0].weight"),
])
def test_a_value_of_the_wrong_kind_is_reported_not_a_crash(change, path):
    old, new = change
    text = new + MINIMAL if not old else MINIMAL.replace(old, new)
    found = issues(text)
    assert any(i.path == path for i in found), found


def _toml(value) -> str:
    """An inline TOML value (enough of TOML for the fuzz below)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's string escapes are TOML's (bar surrogates)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def test_any_document_is_a_model_or_a_model_error():
    """Replace any part of a valid model with any TOML value (wrong types, deep nesting):
    the upload is refused with reasons, never a 500 (issue 12, item 6)."""
    import tomllib

    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalars = (st.integers(-10**20, 10**20) | st.floats() | st.booleans()
               | st.text(max_size=6) | st.sampled_from(["linear", "steps", "threshold", "rank_share", "A", "party_coverage"])
               | st.sampled_from([float("inf"), float("-inf"), float("nan"), 0, 1, -1, ""]))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.sampled_from(["grade", "min", "share", "kind", "points", "id"]) | st.text(max_size=4),
                                            inner, max_size=3), max_leaves=12)
    base = tomllib.loads(MINIMAL)

    def paths(doc, prefix=()):
        yield prefix
        children = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
        for key, child in children:
            yield from paths(child, prefix + (key,))

    every_path = sorted((p for p in paths(base) if p), key=str)  # each part of the valid model

    def replace(doc, path, value):
        if not path:
            return value
        copy = dict(doc) if isinstance(doc, dict) else list(doc)
        copy[path[0]] = replace(doc[path[0]], path[1:], value)
        return copy

    @settings(max_examples=1000, deadline=None, database=None)
    @given(edits=st.lists(st.tuples(st.sampled_from(every_path), values), min_size=1, max_size=3),
           deeper=st.integers(0, 40) | st.just(0))
    def check(edits, deeper):
        doc = base
        for path, value in edits:
            for _ in range(deeper):
                value = [value]
            try:
                doc = replace(doc, path, value)
            except (KeyError, IndexError, TypeError, AttributeError):
                continue  # an earlier edit removed that path
        text = "\n".join(f"{_toml(k)} = {_toml(v)}" for k, v in doc.items())
        try:
            parse_model(text)
        except ModelError:
            pass

    check()
