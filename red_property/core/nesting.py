"""How deep decoded data (JSON, TOML) nests, measured without recursion.

Documents from outside are bounded before anything walks them recursively: Python's
recursion limit turns a few hundred nested brackets into a ``RecursionError`` (a 500).
"""
from __future__ import annotations


def depth_of(value, limit: int) -> int:
    """How deep ``value`` nests lists and dicts (a scalar is 0), without recursion;
    stops counting once past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            break
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest
