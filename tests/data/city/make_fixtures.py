"""Regenerate the city-scale import fixtures in this folder (deterministic: same bytes every run).

    uv run python tests/data/city/make_fixtures.py

Province scale (20,520 communities, 9,960 companies) into another folder:
    uv run python -m red_property.demo.sheets --scale province --out /tmp/province
"""
from pathlib import Path

from red_property.demo.sheets import write_sheets

if __name__ == "__main__":
    for name, path in write_sheets(Path(__file__).resolve().parent, scale="city").items():
        print(name, path)
