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
    assert found[0].line == 2 and "TOML" in found[0].message


def test_bonus_items_cannot_be_blacklists():
    text = MINIMAL + '\n[bonus]\ncap = 5\n[[bonus.items]]\nkind = "award"\npoints = 2\nblacklist = true\n'
    assert any(i.path == "bonus.items[0]" and i.line == 23 for i in issues(text))
