"""Bokmål and English through Babel: the catalogues in ``locale/`` (compiled ``.mo`` files are committed).

Templates call ``_("English text")``; ``pybabel extract -F babel.cfg`` finds those calls and
``pybabel compile -d locale`` makes the ``.mo`` files (docs/console.md says how).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}


@cache
def translations(language: str) -> NullTranslations:
    if language not in LANGUAGES:
        language = "nb"
    return Translations.load(str(LOCALES), [language], domain="messages")


def choose(user_language: str | None, session_language: str | None, default: str) -> str:
    for candidate in (user_language, session_language, default):
        if candidate in LANGUAGES:
            return candidate
    return "nb"
