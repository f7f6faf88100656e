"""How the search index spells words and codes: a word is letters and digits, lower case,
without accents; a code (a domain, a category, a target group, a prison, a language) is one
word of its own that no text contains. The index (core.inventory.search) and the query's
expansion (core.inventory.lexicon) both spell them from here."""

from __future__ import annotations

import re
import unicodedata

# Letters and digits: what FTS5's unicode61 tokenizer and PostgreSQL's parser both keep as
# words once punctuation, hyphens and underscores are spaces.
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(value: str) -> list[str]:
    """The words of ``value`` as the index stores them."""
    return WORD.findall(normalise(value))


# --- code tokens ---------------------------------------------------------------------------


def _encoded(code: str) -> str:
    # Codes are a-z, 0-9 and _; one word must keep them apart, so 0 and _ are escaped.
    return code.replace("0", "00").replace("_", "01")


def domain_token(code: str) -> str:
    return f"zzdomain{_encoded(code)}"


def category_token(authority: str, code: str) -> str:
    return f"zzcategory{_encoded(authority)}02{_encoded(code)}"


def target_group_token(code: str) -> str:
    return f"zzgroup{_encoded(code)}"


def prison_token(code: str) -> str:
    return f"zzprison{_encoded(code)}"


def language_token(code: str) -> str:
    return f"zzlanguage{_encoded(code)}"
