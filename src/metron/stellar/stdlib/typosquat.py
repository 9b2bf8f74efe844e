"""Typosquatting: the look-alike and mistyped names an attacker might register for a domain.

``DOMAIN_TYPOSQUAT`` unions eleven dnstwist-style strategies exactly as Metron generates them
(addition, bitsquatting, homoglyph, hyphenation, insertion, omission, repetition,
replacement, subdomain, transposition, vowel swap).  The input is meant to be a domain with
neither subdomains nor TLD ("amazon"); it is used as given, dots and all, and never
appears in its own result.

Metron works on Java strings, so the strategies here work on UTF-16 code units (a character
outside the BMP counts as two), and the result set is ordered the way Java's ``HashSet``
iterates it (bucket order of the strings' ``hashCode``, insertion order within a bucket), so
printing or joining it gives Metron's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from metron.stellar.errors import StellarError
from metron.stellar.functions import stellar
from metron.stellar.stdlib._javaidn import to_ascii, to_unicode
from metron.stellar.types import Char, JavaSet, to_java_string

__all__: list[str] = []

# Look-alikes for each lower-case ASCII letter (Latin, Greek, Cyrillic, Armenian, ... and
# multi-letter shapes such as "rn" for "m"), in the order Metron tries them.
_GLYPHS: dict[str, tuple[str, ...]] = {
    letter: tuple(glyphs.split())
    for letter, glyphs in {
        "a": "à á â ã ä å ɑ а ạ ǎ ă ȧ ӓ",
        "b": "d lb ib ʙ Ь b̔ ɓ Б",
        "c": "ϲ с ƈ ċ ć ç",
        "d": "b cl dl di ԁ ժ ɗ đ",
        "e": "é ê ë ē ĕ ě ė е ẹ ę є ϵ ҽ",
        "f": "Ϝ ƒ Ғ",
        "g": "q ɢ ɡ Ԍ ġ ğ ց ǵ ģ",
        "h": "lh ih һ հ Ꮒ н",
        "i": "1 l Ꭵ í ï ı ɩ ι ꙇ ǐ ĭ",
        "j": "ј ʝ ϳ ɉ",
        "k": "lk ik lc κ ⲕ",
        "l": "1 i ɫ ł",
        "m": "n nn rn rr ṃ ᴍ м ɱ",
        "n": "m r ń",
        "o": "0 Ο ο О о Օ ȯ ọ ỏ ơ ó ö ӧ",
        "p": "ρ р ƿ Ϸ Þ",
        "q": "g զ ԛ գ ʠ",
        "r": "ʀ Г ᴦ ɼ ɽ",
        "s": "Ⴝ Ꮪ ʂ ś ѕ",
        "t": "τ т ţ",
        "u": "μ υ Ս ս ц ᴜ ǔ ŭ",
        "v": "ѵ ν v̇",
        "w": "vv ѡ ա ԝ",
        "x": "х ҳ ẋ",
        "y": "ʏ γ у Ү ý",
        "z": "ʐ ż ź ᴢ",
    }.items()
}


def _layout(rows: str) -> dict[str, str]:
    return dict(entry.split(":") for entry in rows.split())


# Keys next to each key on three keyboard layouts, tried in this order.
_KEYBOARDS: tuple[dict[str, str], ...] = (
    _layout(  # QWERTY
        "0:po9 1:2q 2:3wq1 3:4ew2 4:5re3 5:6tr4 6:7yt5 7:8uy6 8:9iu7 9:0oi8 a:qwsz b:vghn"
        " c:xdfv d:rfcxse e:4rdsw3 f:tgvcdr g:yhbvft h:ujnbgy i:9okju8 j:ikmnhu k:olmji l:kop"
        " m:njk n:bhjm o:0plki9 p:lo0 q:12wa r:5tfde4 s:edxzaw t:6ygfr5 u:8ijhy7 v:cfgb"
        " w:3esaq2 x:zsdc y:7uhgt6 z:asx"
    ),
    _layout(  # QWERTZ
        "0:po9 1:2q 2:3wq1 3:4ew2 4:5re3 5:6tr4 6:7zt5 7:8uz6 8:9iu7 9:0oi8 a:qwsy b:vghn"
        " c:xdfv d:rfcxse e:4rdsw3 f:tgvcdr g:zhbvft h:ujnbgz i:9okju8 j:ikmnhu k:olmji l:kop"
        " m:njk n:bhjm o:0plki9 p:lo0 q:12wa r:5tfde4 s:edxyaw t:6zgfr5 u:8ijhz7 v:cfgb"
        " w:3esaq2 x:ysdc y:asx z:7uhgt6"
    ),
    _layout(  # AZERTY
        "0:po9 1:2a 2:3za1 3:4ez2 4:5re3 5:6tr4 6:7yt5 7:8uy6 8:9iu7 9:0oi8 a:2zq1 b:vghn"
        " c:xdfv d:rfcxse e:4rdsz3 f:tgvcdr g:yhbvft h:ujnbgy i:9okju8 j:iknhu k:olji l:kopm"
        " m:lp n:bhj o:0plki9 p:lo0m q:zswa r:5tfde4 s:edxwqz t:6ygfr5 u:8ijhy7 v:cfgb"
        " w:sxq x:zsdc y:7uhgt6 z:3esqa2"
    ),
)

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = "aeuio"  # the iteration order of Metron's vowel HashSet
_BITSQUAT_OK = frozenset(range(48, 58)) | frozenset(range(97, 123)) | {45}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _addition(d: str) -> Iterable[str]:
    return [d + c for c in _LETTERS]


def _bitsquatting(d: str) -> Iterable[str]:
    for i, c in enumerate(d):
        code = ord(c)
        for bit in (1, 2, 4, 8, 16, 32, 64, 128):
            if (code ^ bit) in _BITSQUAT_OK:
                yield d[:i] + chr(code ^ bit) + d[i + 1 :]


def _is_ace(d: str) -> bool:
    lower = d.lower()
    return lower.startswith("xn--") or ".xn--" in lower


def _homoglyph(d: str) -> Iterable[str]:
    if not d:
        return
    if _is_ace(d):
        d = _units(to_unicode(_code_points(d)))
    n = len(d)
    for size in range(1, n):
        for i in range(n - size + 1):
            window = d[i : i + size]
            for c in dict.fromkeys(window):
                for glyph in _GLYPHS.get(c, ()):
                    candidate = d[:i] + window.replace(c, glyph) + d[i + size :]
                    yield candidate
                    if not candidate.isascii() and not _is_ace(candidate):
                        ace = _ace_form(_code_points(candidate))
                        if ace is not None:
                            yield ace


@lru_cache(maxsize=8192)
def _ace_form(d: str) -> str | None:
    try:
        return to_ascii(d)
    except ValueError:
        return None


def _hyphenation(d: str) -> Iterable[str]:
    return [d[:i] + "-" + d[i:] for i in range(1, len(d))]


def _insertion(d: str) -> Iterable[str]:
    for i in range(1, len(d) - 1):
        here, before, after = d[i], d[:i], d[i + 1 :]
        for keyboard in _KEYBOARDS:
            for c in keyboard.get(here, ""):
                yield before + c + here + after
                yield before + here + c + after


def _omission(d: str) -> Iterable[str]:
    return [d[:i] + d[i + 1 :] for i in range(len(d))]


def _repetition(d: str) -> Iterable[str]:
    return [d[:i] + c + c + d[i + 1 :] for i, c in enumerate(d) if c.isalpha()]


def _replacement(d: str) -> Iterable[str]:
    for i, here in enumerate(d):
        for keyboard in _KEYBOARDS:
            for c in keyboard.get(here, ""):
                yield d[:i] + c + d[i + 1 :]


def _subdomain(d: str) -> Iterable[str]:
    return [
        d[:i] + "." + d[i:] for i in range(1, len(d)) if d[i] not in "-." and d[i - 1] not in "-."
    ]


def _transposition(d: str) -> Iterable[str]:
    return [d[:i] + d[i + 1] + d[i] + d[i + 2 :] for i in range(len(d) - 1) if d[i] != d[i + 1]]


def _vowel_swap(d: str) -> Iterable[str]:
    return [d[:i] + v + d[i + 1 :] for i, c in enumerate(d) if c in "aeiou" for v in _VOWELS]


_STRATEGIES: tuple[Callable[[str], Iterable[str]], ...] = (
    _addition,
    _bitsquatting,
    _homoglyph,
    _hyphenation,
    _insertion,
    _omission,
    _repetition,
    _replacement,
    _subdomain,
    _transposition,
    _vowel_swap,
)


def _units(text: str) -> str:
    """``text`` with each character outside the BMP split into its UTF-16 surrogates."""
    if text.isascii() or max(text) <= "\uffff":
        return text
    out = []
    for c in text:
        cp = ord(c)
        if cp > 0xFFFF:
            cp -= 0x10000
            out.append(chr(0xD800 + (cp >> 10)) + chr(0xDC00 + (cp & 0x3FF)))
        else:
            out.append(c)
    return "".join(out)


def _code_points(text: str) -> str:
    """Undo :func:`_units`: valid surrogate pairs become one character, lone ones stay."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _hash_set_order(items: dict[str, None], peak_size: int) -> list[str]:
    """The order a Java 8 ``HashSet`` that held ``peak_size`` strings iterates ``items``.

    ``items`` is in insertion order.  The table doubles from 16 buckets whenever it is more
    than three quarters full; iteration walks the buckets in index order and each bucket in
    insertion order.
    """
    capacity = 16
    while peak_size > capacity * 3 // 4:
        capacity *= 2
    mask = capacity - 1

    def bucket(s: str) -> int:
        h = 0
        for c in s:
            h = (31 * h + ord(c)) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & mask

    return sorted(items, key=bucket)


@lru_cache(maxsize=256)
def _typosquats(domain: str) -> tuple[str, ...]:
    d = _units(domain)
    union: dict[str, None] = {}
    for strategy in _STRATEGIES:
        candidates = dict.fromkeys(strategy(d))
        peak = len(candidates)
        candidates.pop(d, None)
        union.update(dict.fromkeys(_hash_set_order(candidates, peak)))
    return tuple(_code_points(s) for s in _hash_set_order(union, len(union)))


@stellar(
    "DOMAIN_TYPOSQUAT",
    params=["domain - the domain to imitate, without subdomains or TLD (e.g. 'example')"],
    returns="a set of typosquatting candidates for the domain",
    description=(
        "Generates the domains a typosquatter might register to imitate the given one, with"
        " the strategies of the dnstwist tool: adding a letter at the end, flipping one bit"
        " of a character, swapping letters for look-alike glyphs (also in their xn-- form),"
        " inserting a hyphen, a dot, a neighbouring key or a repeated letter, dropping a"
        " character, replacing one with a neighbouring key (QWERTY, QWERTZ and AZERTY),"
        " transposing two characters and swapping vowels. The domain itself is never in the"
        " result. Null or no argument gives null; a non-string is an error."
    ),
    examples=[
        ("'exannple' in DOMAIN_TYPOSQUAT('example')", True),
        ("'examp1e' in DOMAIN_TYPOSQUAT('example')", True),
        ("'example' in DOMAIN_TYPOSQUAT('example')", False),
    ],
    pure=True,
)
def domain_typosquat(*args: Any) -> JavaSet | None:
    if not args or args[0] is None:
        return None
    domain = args[0]
    if not isinstance(domain, str) or type(domain) is Char:
        raise StellarError(
            f"expected a domain without subdomains or TLD as a string, got {to_java_string(domain)}"
        )
    return JavaSet(_typosquats(domain))
