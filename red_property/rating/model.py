"""A rating model is a document the bureau owns (TOML), not code.

``parse_model`` validates it completely and refuses it with every problem and
the line it is on: weights that do not add up, overlapping or gapped grade
bands, an unknown metric, a steps rule that leaves values uncovered, ...
Numbers are read as exact fractions (0.95 is 19/20), so scoring is exact.
"""
from __future__ import annotations

import ast
import math
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from red_property.core.nesting import depth_of
from red_property.rating.metrics import METRICS

AGGREGATES = ("floor_area", "households", "equal")
MISSING = ("exclude", "zero")
SLUG = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# A model nests four levels (indicators → table → steps → [min, share]).  tomllib is
# recursive: a few hundred nested arrays or inline tables raise RecursionError, and a
# dotted key (a.a.a…) nests without limit; either was a 500 on upload.
MAX_DEPTH = 16
ZERO, ONE = Fraction(0), Fraction(1)
TOO_DEEP = f"嵌套超过 {MAX_DEPTH} 层 (nested deeper than {MAX_DEPTH} levels)"


@dataclass(frozen=True)
class Issue:
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line else ""
        where += f"第 {self.column} 列" if self.line and self.column else ""
        return f"{where} {self.path}: {self.message}" if where else f"{self.path}: {self.message}"


# tomllib's messages (Python 3.11-3.13) in Chinese; the part after "(at ..." is the place.
TOML_MESSAGES = (
    (r"Cannot overwrite a value", "同一个键写了两次（或给已有的值重新赋值）"),
    (r"Escaped character is not a Unicode scalar value", "转义字符不是有效的 Unicode 字符"),
    (r"Expected '=' after a key in a key/value pair", "键的后面缺少“=”"),
    (r"Expected '\]' at the end of a table declaration", "表名 [ ] 缺少右方括号“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "表数组名 [[ ]] 缺少右方括号“]]”"),
    (r"Invalid date or datetime", "日期或时间格式不正确"),
    (r"Invalid hex value", "十六进制数不正确"),
    (r"Invalid initial character for a key part", "键名以不允许的字符开头"),
    (r"Invalid statement", "无法识别的语句（应为 键 = 值、[表] 或 # 注释）"),
    (r"Invalid value", "值不正确（文字要加引号，数字不加，true/false 小写）"),
    (r"Unclosed array", "数组缺少右方括号“]”"),
    (r"Unclosed inline table", "内联表缺少右花括号“}”"),
    (r"Unescaped '\\' in a string", "文字中的反斜杠“\\”需要写成“\\\\”"),
    (r"Unterminated string", "文字缺少结尾的引号"),
    (r"Cannot declare (.+) twice", "表 {0} 声明了两次"),
    (r"Cannot mutate immutable namespace (.+)", "不能再往 {0} 里添加键"),
    (r"Cannot redefine namespace (.+)", "不能重新定义 {0}"),
    (r"Duplicate inline table key (.+)", "内联表中的键 {0} 重复"),
    (r"Expected newline or end of document after a statement", "一行只能写一条语句：此处应换行"),
    (r"Expected (.+)", "此处应为 {0}"),
    (r"Found invalid character (.+)", "出现了不允许的字符 {0}"),
    (r"Illegal character (.+)", "出现了不允许的字符 {0}"),
)


def _key(text: str) -> str:
    """tomllib names a key as a tuple, ('bonus', 'items'): say bonus.items."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return ".".join(map(str, value)) if isinstance(value, tuple) else str(value)


def toml_issue(exc: tomllib.TOMLDecodeError, text: str) -> Issue:
    """A TOML syntax error in Chinese, with its line and column (the end of the text when
    tomllib says "at end of document")."""
    message = str(exc)
    place = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if place:
        line, column = int(place.group(1)), int(place.group(2))
    else:
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    plain = re.sub(r"\s*\(at [^)]*\)$", "", message)
    for pattern, chinese in TOML_MESSAGES:
        found = re.fullmatch(pattern, plain)
        if found:
            return Issue(line, "(语法)", chinese.format(*(_key(g) for g in found.groups())), column)
    return Issue(line, "(语法)", f"不是有效的 TOML：{plain}", column)


class ModelError(ValueError):
    """The model is invalid; ``issues`` says where and why."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    metric: str
    weight: Fraction
    rule: str                                   # "linear" | "steps"
    low: Fraction = Fraction(0)                 # linear: value scoring 0 ...
    high: Fraction = Fraction(1)                # ... and value scoring the full weight
    steps: tuple[tuple[Fraction, Fraction], ...] = ()   # (minimum value, share of weight), descending
    cap: Fraction = Fraction(1)                 # share of the weight at most

    def share(self, value: Fraction) -> Fraction:
        """The share of the weight (0..cap) that ``value`` earns.

        Worked out on numerators and denominators (integers): as exact as
        fractions, without a fraction built and reduced at every step.
        """
        vn, vd = value.numerator, value.denominator
        if self.rule == "linear":
            ln, ld, hn, hd = self.low.numerator, self.low.denominator, self.high.numerator, self.high.denominator
            # (value - low) / (high - low) = num / den, den > 0
            num, den = (vn * ld - ln * vd) * hd, vd * (hn * ld - ln * hd)
            if den < 0:
                num, den = -num, -den
            share = ZERO if num <= 0 else ONE if num >= den else Fraction(num, den)
        else:
            share = next((s for minimum, s in self.steps if vn * minimum.denominator >= minimum.numerator * vd), ZERO)
        return share if share <= self.cap else self.cap


@dataclass(frozen=True)
class Item:
    """A bonus or deduction kind: how many points, and for how long it counts."""

    kind: str
    name: str
    points: Fraction
    months: int = 12
    until_rectified: bool = False   # serious deductions count until rectified
    blacklist: bool = False         # overrides the grade


@dataclass(frozen=True)
class Band:
    grade: str
    minimum: Fraction | None = None   # threshold method
    share: Fraction | None = None     # rank-share method


@dataclass(frozen=True)
class RatingModel:
    name: str
    scale: Fraction
    base_score: Fraction
    aggregate: str
    missing: str
    indicators: tuple[Indicator, ...]
    bonus_cap: Fraction
    bonuses: dict[str, Item]
    deductions: dict[str, Item]
    grade_method: str                 # "threshold" | "rank_share"
    bands: tuple[Band, ...]
    blacklist_grade: str
    missing_records_grade: str
    appeal_days: int = 15              # days after publication a company may appeal
    source: str = field(default="", compare=False, repr=False)


def parse_model(text: str) -> RatingModel:
    """Parse and validate a model document; raise ``ModelError`` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError([toml_issue(exc, text)]) from exc
    except RecursionError:
        raise ModelError([Issue(None, "(文件)", TOO_DEEP)]) from None
    if depth_of(raw, MAX_DEPTH) > MAX_DEPTH:
        raise ModelError([Issue(None, "(文件)", TOO_DEEP)])
    checker = _Checker(text)
    model = checker.model(raw)
    if checker.issues:
        raise ModelError(checker.issues)
    return model


class _Checker:
    def __init__(self, text: str):
        self.text = text
        self.issues: list[Issue] = []

    # -- reporting -------------------------------------------------------
    def fail(self, path: tuple, message: str) -> None:
        self.issues.append(Issue(_line_of(self.text, path), _path_text(path), message))

    def number(self, data: dict, key: str, path: tuple, *, default: Any = None, minimum=None,
               maximum=None, positive=False) -> Fraction | None:
        value = data.get(key, default)
        if value is None:
            self.fail(path + (key,), "必填")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(path + (key,), f"应为数字，实际为 {value!r}")
            return None
        number = Fraction(str(value))
        if positive and number <= 0:
            self.fail(path + (key,), "应大于 0")
        if minimum is not None and number < minimum:
            self.fail(path + (key,), f"不能小于 {minimum}")
        if maximum is not None and number > maximum:
            self.fail(path + (key,), f"不能大于 {maximum}")
        return number

    def text_field(self, data: dict, key: str, path: tuple, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(path + (key,), "必填，应为文字")
            return ""
        return value.strip()

    def choice(self, data: dict, key: str, path: tuple, options: tuple, default: str) -> str:
        value = data.get(key, default)
        if value not in options:
            self.fail(path + (key,), f"应为 {' / '.join(options)} 之一，实际为 {value!r}")
        return value

    def table(self, data: dict, key: str, path: tuple) -> dict:
        """The table ``key`` (empty when absent); anything else there is reported."""
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(path + (key,), f"应为表 [{key}]，实际为 {value!r}")
            return {}
        return value

    def rows(self, raw: list, path: tuple):
        """(index, table) of each entry of an array of tables; other entries are reported."""
        for i, data in enumerate(raw):
            if isinstance(data, dict):
                yield i, data
            else:
                self.fail(path + (i,), f"应为表，实际为 {data!r}")

    # -- sections --------------------------------------------------------
    def model(self, raw: dict) -> RatingModel:
        name = self.text_field(raw, "name", ())
        scale = self.number(raw, "scale", (), default=100, positive=True) or Fraction(100)
        base = self.number(raw, "base_score", (), default=0, minimum=0, maximum=scale) or Fraction(0)
        aggregate = self.choice(raw, "aggregate", (), AGGREGATES, "floor_area")
        missing = self.choice(raw, "missing", (), MISSING, "exclude")
        indicators = self.indicators(raw.get("indicators"), scale - base)
        bonus = self.table(raw, "bonus", ())
        bonus_cap = self.number(bonus, "cap", ("bonus",), default=0, minimum=0) or Fraction(0)
        bonuses = self.items(bonus.get("items", []), ("bonus", "items"), deduction=False)
        deductions = self.items(self.table(raw, "deductions", ()).get("items", []), ("deductions", "items"),
                                deduction=True)
        grades = self.table(raw, "grades", ())
        method = self.choice(grades, "method", ("grades",), ("threshold", "rank_share"), "threshold")
        bands = self.bands(grades.get("bands"), method, scale)
        overrides = self.table(raw, "overrides", ())
        return RatingModel(
            name=name, scale=scale, base_score=base, aggregate=aggregate, missing=missing,
            indicators=tuple(indicators), bonus_cap=bonus_cap, bonuses=bonuses, deductions=deductions,
            grade_method=method, bands=tuple(bands),
            blacklist_grade=self.text_field(overrides, "blacklist_grade", ("overrides",), "C"),
            missing_records_grade=self.text_field(overrides, "missing_records_grade", ("overrides",), "C（缺失）"),
            appeal_days=int(self.number(self.table(raw, "appeals", ()), "window_days", ("appeals",), default=15,
                                        minimum=1, maximum=365) or 15),
            source=self.text,
        )

    def indicators(self, raw, budget: Fraction) -> list[Indicator]:
        if not isinstance(raw, list) or not raw:
            self.fail(("indicators",), "至少需要一个指标 [[indicators]]")
            return []
        result, seen = [], set()
        for i, data in self.rows(raw, ("indicators",)):
            path = ("indicators", i)
            ident = self.text_field(data, "id", path)
            if ident and not SLUG.match(ident):
                self.fail(path + ("id",), "只能用小写字母、数字和下划线")
            if ident in seen:
                self.fail(path + ("id",), f"重复的指标 {ident}")
            seen.add(ident)
            metric = data.get("metric")
            if not isinstance(metric, str) or metric not in METRICS:
                self.fail(path + ("metric",), f"未知的指标来源 {metric!r}（可用：{', '.join(METRICS)}）")
            weight = self.number(data, "weight", path, positive=True)
            rule = self.choice(data, "rule", path, ("linear", "steps"), "linear")
            cap = self.number(data, "cap", path, default=1, minimum=0, maximum=1)
            kwargs: dict[str, Any] = {}
            if rule == "linear":
                low = self.number(data, "from", path, default=0)
                high = self.number(data, "to", path, default=1)
                if low is not None and low == high:
                    self.fail(path + ("to",), "from 与 to 不能相等")
                kwargs.update(low=low or Fraction(0), high=high if high is not None else Fraction(1))
            else:
                kwargs["steps"] = self.steps(data.get("steps"), path)
            result.append(Indicator(id=ident, name=self.text_field(data, "name", path, ident or "?"),
                                    metric=metric if isinstance(metric, str) else "", weight=weight or Fraction(0), rule=rule,
                                    cap=cap if cap is not None else Fraction(1), **kwargs))
        total = sum((ind.weight for ind in result), Fraction(0))
        if total != budget:
            self.fail(("indicators",), f"权重合计为 {_fmt(total)}，应等于满分减基础分 {_fmt(budget)}")
        return result

    def steps(self, raw, path: tuple) -> tuple:
        if not isinstance(raw, list) or not raw:
            self.fail(path + ("steps",), "steps 规则需要 [[最低值, 得分比例], ...]")
            return ()
        steps = []
        for pair in raw:
            if (not isinstance(pair, list) or len(pair) != 2
                    or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)
                           for x in pair)):
                self.fail(path + ("steps",), f"每一档应为 [最低值, 得分比例]，实际为 {pair!r}")
                return ()
            steps.append((Fraction(str(pair[0])), Fraction(str(pair[1]))))
        minimums = [m for m, _ in steps]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            self.fail(path + ("steps",), "各档最低值应从高到低排列且不重复")
        if any(not 0 <= s <= 1 for _, s in steps):
            self.fail(path + ("steps",), "得分比例应在 0 到 1 之间")
        if minimums and minimums[-1] > 0:
            self.fail(path + ("steps",), f"最后一档最低值应为 0，否则低于 {_fmt(minimums[-1])} 的数值无档可依")
        return tuple(steps)

    def items(self, raw, path: tuple, *, deduction: bool) -> dict[str, Item]:
        items: dict[str, Item] = {}
        if not isinstance(raw, list):
            self.fail(path, "应为 [[...items]] 列表")
            return items
        for i, data in self.rows(raw, path):
            p = path + (i,)
            kind = self.text_field(data, "kind", p)
            if kind in items:
                self.fail(p + ("kind",), f"重复的类别 {kind}")
            months = data.get("months", 12)
            if isinstance(months, bool) or not isinstance(months, int) or months < 1:
                self.fail(p + ("months",), "有效期月数应为正整数")
                months = 12
            until = data.get("until_rectified", False)
            blacklist = data.get("blacklist", False)
            if not deduction and (until or blacklist):
                self.fail(p, "加分项不能设置 until_rectified 或 blacklist")
            items[kind] = Item(kind=kind, name=self.text_field(data, "name", p, kind or "?"),
                               points=self.number(data, "points", p, minimum=0) or Fraction(0),
                               months=months, until_rectified=bool(until), blacklist=bool(blacklist))
        return items

    def bands(self, raw, method: str, scale: Fraction) -> list[Band]:
        path = ("grades", "bands")
        if not isinstance(raw, list) or not raw:
            self.fail(path, "至少需要一个等级")
            return []
        bands = []
        for i, data in self.rows(raw, path):
            grade = self.text_field(data, "grade", path + (i,))
            if method == "threshold":
                bands.append(Band(grade, minimum=self.number(data, "min", path + (i,), minimum=0, maximum=scale)))
            else:
                bands.append(Band(grade, share=self.number(data, "share", path + (i,), positive=True, maximum=1)))
        grades = [b.grade for b in bands]
        if len(set(grades)) != len(grades):
            self.fail(path, "等级名称重复")
        if method == "threshold":
            minimums = [b.minimum for b in bands if b.minimum is not None]
            if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
                self.fail(path, "等级分数线应从高到低排列且不重叠")
            elif minimums and minimums[-1] != 0:
                self.fail(path, f"最低等级的分数线应为 0，否则低于 {_fmt(minimums[-1])} 分的企业没有等级")
        else:
            total = sum((b.share for b in bands if b.share is not None), Fraction(0))
            if total != 1:
                self.fail(path, f"各等级比例合计为 {_fmt(total)}，应为 1")
        return bands


def _fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(文件)"


def _line_of(text: str, path: tuple) -> int | None:
    """Line number (1-based) of ``path`` in the TOML source, for messages.

    Walks the path through ``[table]`` and ``[[array.of.tables]]`` headers,
    then finds ``key =`` inside the section reached.
    """
    lines = text.splitlines()

    def section_end(start: int) -> int:
        return next((n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("[")), len(lines))

    def headers(name: str, double: bool) -> list[int]:
        brackets = (r"\[\[", r"\]\]") if double else (r"\[", r"\]")
        pattern = re.compile(rf"^\s*{brackets[0]}\s*{re.escape(name)}\s*{brackets[1]}\s*$")
        return [n for n, line in enumerate(lines) if pattern.match(line)]

    region = (0, section_end(-1))
    prefix: list[str] = []
    key = None
    i = 0
    while i < len(path):
        part, after = path[i], path[i + 1] if i + 1 < len(path) else None
        name = ".".join(prefix + [str(part)])
        if isinstance(after, int) and headers(name, True):
            hits = headers(name, True)
            start = hits[min(after, len(hits) - 1)]
            region, prefix, i = (start, section_end(start)), prefix + [part], i + 2
        elif after is not None and not isinstance(after, int):
            hits = headers(name, False)
            if hits:
                region = (hits[0], section_end(hits[0]))
            prefix, i = prefix + [part], i + 1
        else:
            key = part
            break
    if key is not None:
        pattern = re.compile(r"^\s*" + re.escape(str(key)) + r"\s*=")
        for n in range(*region):
            if pattern.match(lines[n]):
                return n + 1
        name = ".".join(prefix + [str(key)])
        sections = headers(name, True) or headers(name, False)
        if sections:
            return sections[0] + 1
    return region[0] + 1 if path else None
