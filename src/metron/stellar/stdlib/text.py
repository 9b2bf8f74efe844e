"""Text similarity: ``FUZZY_SCORE`` and the language tags it accepts, ``FUZZY_LANGS``.

The score follows commons-text's ``FuzzyScore``: both strings are lower-cased for the
language, then each query character is looked for in the term after the previous match;
a match scores 1, and 2 more when it directly follows the previous match.

Metron accepts the language tags of the JVM's available locales.  We list those of the Java 8
runtime Metron ran on (``und`` is the root locale); they only matter for lower-casing, where
Turkish (``tr``) maps ``I`` to a dotless ``ı``.  Lithuanian's rare accent rules are not
reproduced.
"""

from __future__ import annotations

from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._utf16 import units

__all__ = ["LANGUAGE_TAGS"]

# BCP 47 tags of the Java 8 runtime's available locales (Locale.getAvailableLocales()).
_TAGS = """
    und ar-AE ar-JO ar-SY hr-HR fr-BE es-PA mt-MT es-VE bg zh-TW it ko uk lv da-DK es-PR
    vi-VN en-US sr-ME sv-SE es-BO en-SG ar-BH pt ar-SA sk ar-YE hi-IN ga en-MT fi-FI et sv cs
    sr-Latn-BA el uk-UA hu fr-CH id es-AR ar-EG ja-JP-u-ca-japanese-x-lvariant-JP es-SV pt-BR
    be is-IS cs-CZ es pl-PL tr ca-ES sr-CS ms-MY hr lt es-ES es-CO bg-BG sq fr ja sr-BA is
    es-PY de es-EC es-US ar-SD en ro-RO en-PH ca ar-TN sr-Latn-ME es-GT sl ko-KR el-CY es-MX
    ru-RU es-HN zh-HK nn-NO hu-HU th-TH ar-IQ es-CL fi ar-MA ga-IE mk tr-TR et-EE ar-QA
    sr-Latn pt-PT fr-LU ar-OM th sq-AL es-DO es-CU ar ru en-NZ sr-RS de-CH es-UY ms el-GR
    he-IL en-ZA th-TH-u-nu-thai-x-lvariant-TH hi fr-FR de-AT nl no-NO en-AU vi nl-NL fr-CA
    lv-LV de-LU es-CR ar-KW sr ar-LY mt it-CH da de-DE ar-DZ sk-SK lt-LT it-IT en-IE zh-SG ro
    en-CA nl-BE no pl zh-CN ja-JP de-GR sr-Latn-RS he en-IN ar-LB es-NI zh mk-MK be-BY sl-SI
    es-PE id-ID en-GB
"""
#: The language tags FUZZY_SCORE accepts, in the order FUZZY_LANGS lists them.
LANGUAGE_TAGS: tuple[str, ...] = tuple(_TAGS.split())
_KNOWN = frozenset(LANGUAGE_TAGS)
_TURKIC = frozenset({"tr", "az"})


def _lower(s: str, tag: str) -> str:
    if tag.split("-", 1)[0] in _TURKIC:
        s = s.replace("I", "\u0131").replace("\u0130", "i")
    return units(s.lower())


@stellar(
    "FUZZY_LANGS",
    returns="a list of language tags (strings) such as en, fr, de",
    description="Lists the language tags FUZZY_SCORE accepts.",
    examples=[Example("FUZZY_LANGS()", check=False), ("'en' in FUZZY_LANGS()", True)],
)
def fuzzy_langs(*_: Any) -> list[str]:
    return list(LANGUAGE_TAGS)


@stellar(
    "FUZZY_SCORE",
    params=[
        "string - the term to match against",
        "string - the query to look for in the term",
        "string - the language tag used to lower-case both, such as en (see FUZZY_LANGS)",
    ],
    returns="the similarity score (an Integer): higher means more similar",
    description=(
        "Scores how well a query matches a term, ignoring case: each query character found "
        "in order in the term scores 1 point, plus 2 bonus points when it directly follows "
        "the previous match. Any argument that is not a string gives 0; an unknown language "
        "tag is an error."
    ),
    examples=[
        ("FUZZY_SCORE('Metron', 'metron', 'en')", 16),
        ("FUZZY_SCORE('Apache Software Foundation', 'asf', 'en')", 3),
        Example("FUZZY_SCORE('a', 'a', 'klingon')", error=True),
    ],
    pure=True,
)
def fuzzy_score(*args: Any) -> int:
    if len(args) < 3:
        raise StellarError(
            "FUZZY_SCORE expects three arguments: the term, the query and the language tag"
        )
    term, query, tag = args[0], args[1], args[2]
    if type(term) is not str or type(query) is not str or type(tag) is not str:
        return 0
    if tag not in _KNOWN:
        raise StellarError(f"FUZZY_SCORE needs a language tag listed by FUZZY_LANGS, not {tag!r}")
    if not term or not query:
        return 0
    term = _lower(term, tag)
    score = 0
    position = 0
    previous = -2
    for ch in _lower(query, tag):
        found = term.find(ch, position)
        if found < 0:
            break
        score += 3 if found == previous + 1 else 1
        previous = found
        position = found + 1
    return score
