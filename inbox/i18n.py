"""Translations: Babel catalogues (English source, Vietnamese) chosen per request.

The .po files are compiled in memory at start-up, so there is no build step and no binary
file in the repository. `make i18n` extracts new strings from Python, templates and JS.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "web" / "locale"
LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}
DEFAULT_LANGUAGE = "en"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@functools.cache
def translations(language: str) -> NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


@contextlib.contextmanager
def using(language: str | None) -> Iterator[None]:
    """Translate in `language` inside the block (emails to a customer in theirs)."""
    token = current_language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        current_language.reset(token)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


@functools.cache
def catalog_for_scripts(language: str) -> dict[str, str]:
    """Every translated string, for the browser's `_()`; small enough to send whole."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    return {m.id: m.string for m in catalog if m.id and m.string and isinstance(m.id, str)}


def pick_language(preferred: str | None, accept_language: str | None, default: str) -> str:
    """The agent's chosen language, else the browser's first supported one, else the default."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else DEFAULT_LANGUAGE
