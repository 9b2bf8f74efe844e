"""``java.net.IDN`` (IDNA 2003, RFC 3490) as Java 8 implements it, for ``DOMAIN_TYPOSQUAT``.

Java's conversions work label by label (labels end at any of the four Unicode full stops and
are re-joined with ``.``).  ``to_ascii`` raises ``ValueError`` where Java throws: an empty
label, a label longer than 63 characters, a prohibited character or a broken bidi rule after
nameprep, a non-ASCII label that already starts with ``xn--``.  An all-ASCII label is kept as
it is, upper case included.  ``to_unicode`` never fails: a label that does not decode and
round-trip is returned unchanged.  Nameprep (RFC 3491) uses Unicode 3.2 throughout, as Java's
implementation does; Python's ``stringprep`` case-folds with today's Unicode, so mappings
that did not exist in 3.2 (Cherokee and Georgian lower case, for instance) are dropped here.
"""

from __future__ import annotations

import re
import stringprep
from collections.abc import Callable
from unicodedata import ucd_3_2_0

__all__ = ["to_ascii", "to_unicode"]

_LABEL_DOTS = re.compile("[.\u3002\uff0e\uff61]")
_ACE = "xn--"
_MAX_LABEL = 63


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _unassigned_in_3_2(c: str) -> bool:
    return ucd_3_2_0.category(c) == "Cn"


def _case_fold(c: str) -> str:
    """RFC 3454 table B.2 (case folding for NFKC) as it stood in Unicode 3.2."""
    if _unassigned_in_3_2(c):
        return c
    folded = stringprep.map_table_b2(c)
    if folded != c and any(_unassigned_in_3_2(x) for x in folded):
        return c  # a case pair added to Unicode after 3.2
    return folded


_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


def _prepare(label: str, allow_unassigned: bool) -> str:
    """Nameprep: map, normalise (NFKC), refuse prohibited characters, check bidi."""
    if not allow_unassigned and any(stringprep.in_table_a1(c) for c in label):
        raise ValueError("unassigned code point")
    mapped = "".join(_case_fold(c) for c in label if not stringprep.in_table_b1(c))
    text = ucd_3_2_0.normalize("NFKC", mapped)
    if any(check(c) for c in text for check in _PROHIBITED):
        raise ValueError("prohibited character")
    rtl = [stringprep.in_table_d1(c) for c in text]
    if any(rtl) and (any(stringprep.in_table_d2(c) for c in text) or not (rtl[0] and rtl[-1])):
        raise ValueError("bidi rules violated")
    return text


def _label_to_ascii(label: str, allow_unassigned: bool) -> str:
    if label.isascii():
        dest = label
    else:
        dest = _prepare(label, allow_unassigned)
        if not dest.isascii():
            if _ascii_lower(dest[:4]) == _ACE:
                raise ValueError("the label starts with the ACE prefix")
            dest = _ACE + _ascii_lower(dest.encode("punycode").decode("ascii"))
    if not dest:
        raise ValueError("empty label")
    if len(dest) > _MAX_LABEL:
        raise ValueError("label too long")
    return dest


def _label_to_unicode(label: str) -> str:
    if label.isascii():
        dest = label
    else:
        try:
            dest = _prepare(label, allow_unassigned=False)
        except ValueError:
            return label
    if _ascii_lower(dest[:4]) != _ACE or not dest.isascii():
        return label
    try:
        decoded = dest[4:].encode("ascii").decode("punycode")
        strict = _convert(decoded, lambda part: _label_to_ascii(part, allow_unassigned=False))
        if strict.lower() == dest.lower():
            return decoded
    except (ValueError, IndexError, OverflowError):
        pass  # toUnicode never fails: the label stays as it was
    return label


def _convert(text: str, convert_label: Callable[[str], str]) -> str:
    if len(text) == 1 and _LABEL_DOTS.match(text):
        return "."
    out: list[str] = []
    start = 0
    for m in _LABEL_DOTS.finditer(text):
        out.append(convert_label(text[start : m.start()]))
        out.append(".")
        start = m.end()
    if start < len(text):
        out.append(convert_label(text[start:]))
    return "".join(out)


def to_ascii(text: str, allow_unassigned: bool = True) -> str:
    """IDN.toASCII(text, IDN.ALLOW_UNASSIGNED), or without that flag."""
    return _convert(text, lambda label: _label_to_ascii(label, allow_unassigned))


def to_unicode(text: str) -> str:
    """IDN.toUnicode(text)."""
    return _convert(text, _label_to_unicode)
