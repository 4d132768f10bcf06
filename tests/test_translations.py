"""The English catalog covers every UI string (the Chinese text is the msgid)."""
import configparser
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "red_property"
PO = PACKAGE / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
HINT = "run `bash red_property/translations/update.sh`, translate the new entries, run it again"


def _method_map():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "babel.cfg", encoding="utf-8")
    return [(pattern.strip(), method.strip()) for method, pattern in
            (section.split(":", 1) for section in parser.sections())]


def _catalog(reader, path):
    with open(path, "rb") as fh:
        return {m.id: m for m in reader(fh) if m.id}


def test_every_source_string_has_an_english_translation():
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    source = {msg[2] if isinstance(msg[2], str) else msg[2][0]
              for msg in extract_from_dir(str(PACKAGE), _method_map(), keywords=keywords)}
    catalog = _catalog(read_po, PO)
    missing = sorted(m for m in source if not (m in catalog and catalog[m].string))
    assert not missing, f"untranslated UI strings ({HINT}): {missing}"


def test_catalog_has_no_fuzzy_or_empty_entries_and_is_compiled():
    catalog = _catalog(read_po, PO)
    assert not [m.id for m in catalog.values() if m.fuzzy or not m.string]
    compiled = _catalog(read_mo, MO)
    assert {k: v.string for k, v in compiled.items()} == {k: v.string for k, v in catalog.items()}, HINT


class _AnyValue(dict):
    def __missing__(self, key):
        return ""


def test_template_translations_survive_jinja_formatting():
    """Jinja's ``_()`` always applies ``%`` to the translation: a bare "70%" there is a 500 in English."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    templates = [(pattern, method) for pattern, method in _method_map() if "jinja" in method]
    in_templates = {msg[2] if isinstance(msg[2], str) else msg[2][0]
                    for msg in extract_from_dir(str(PACKAGE), templates, keywords=keywords)}
    broken = []
    for message in _catalog(read_po, PO).values():
        if message.id in in_templates and isinstance(message.string, str):
            try:
                message.string % _AnyValue()
            except (TypeError, ValueError) as exc:
                broken.append(f"{message.id}: {exc} (write % as %%)")
    assert not broken
