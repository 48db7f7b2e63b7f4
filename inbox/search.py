"""Words for searching without `$text`: each document keeps a list of folded terms, indexed,
and a query asks for all of its terms (`$all`), so it works on any MongoDB and the embedded
store alike. Folding drops case and Vietnamese diacritics: "Đơn hàng" finds "don hang"."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 3000


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def terms(*texts: str | None) -> list[str]:
    """The distinct folded words of the texts (single letters left out)."""
    found = dict.fromkeys(
        word for text in texts if text for word in WORD.findall(fold(text)) if len(word) > 1
    )
    return list(found)[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """What a search box's words must all match; one-letter words are ignored."""
    return terms(query)
