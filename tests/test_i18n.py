"""Every user-facing string is translated, and the language follows the viewer."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from inbox import i18n

ROOT = Path(__file__).parent.parent
METHODS = [
    ("inbox/**.py", "python"),
    ("automations/rules/**.py", "python"),
    ("inbox/web/templates/**.html", "jinja2"),
    ("inbox/web/static/js/**.js", "javascript"),
]


def source_strings() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords={"_": None}):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_every_string_in_the_code_has_a_vietnamese_translation():
    catalog = i18n.catalog_for_scripts("vi")
    strings = source_strings()

    assert len(strings) > 100
    untranslated = sorted(s for s in strings if not catalog.get(s))
    assert untranslated == [], "run `make i18n` and translate these in inbox/web/locale/vi"


def test_placeholders_survive_translation():
    import re

    for source, translated in i18n.catalog_for_scripts("vi").items():
        assert set(re.findall(r"{\w+}", source)) == set(re.findall(r"{\w+}", translated)), source


def test_the_language_is_the_viewers_choice_then_the_browsers_then_the_default():
    assert i18n.pick_language("vi", "en-US,en;q=0.9", "en") == "vi"
    assert i18n.pick_language(None, "vi-VN,vi;q=0.9,en;q=0.5", "en") == "vi"
    assert i18n.pick_language(None, "fr-FR,de;q=0.5", "en") == "en"
    assert i18n.pick_language("xx", None, "vi") == "vi"


async def test_pages_are_translated(http):
    status, html = await http.get("/login", headers={"Accept-Language": "vi"})

    assert status == 200
    assert "Đăng nhập hộp thư" in html
