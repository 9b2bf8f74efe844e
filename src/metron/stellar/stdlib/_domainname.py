"""Domain names the way Metron's Guava 17 ``InternetDomainName`` sees them.

Metron's ``DOMAIN_*`` functions lean on Guava 17: a name is normalised (the four Unicode
full stops become ``.``, ASCII letters are lower-cased, one trailing dot is dropped), then
checked part by part, and its public suffix is found by walking from the whole name towards
the right-most label.  The first ancestor that is a listed suffix, the parent of a listed
exception (``!city.kobe.jp``) or a child of a wildcard (``*.ck``) wins.  Guava built its
tables from both sections of the Public Suffix List (ICANN and private), so ``blogspot.com``
counts as a suffix, and an internationalised rule matches in its Unicode and its ``xn--``
spelling; a wildcard rule does not make its parent a suffix, and a name whose
labels match no rule has no suffix at all (Metron then falls back to the last label).

The rules come from the list shipped inside the ``publicsuffixlist`` package (read once,
offline), not from the 2014 snapshot compiled into Guava 17, so suffixes created since then
are known here.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["public_suffix"]

_DOT_LIKE = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
_MAX_NAME = 253
_MAX_PARTS = 127
_MAX_PART = 63
_ASCII_PART_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(exact, wildcard parents, exceptions) from the bundled Public Suffix List."""
    from publicsuffixlist import PSLFILE

    exact: set[str] = set()
    under: set[str] = set()
    excluded: set[str] = set()
    with open(PSLFILE, encoding="utf-8") as source:
        for line in source:
            words = line.split()
            if not words or words[0].startswith("//"):
                continue
            rule = words[0]
            if rule.startswith("!"):
                target, name = excluded, rule[1:]
            elif rule.startswith("*."):
                target, name = under, rule[2:]
            else:
                target, name = exact, rule
            target.add(name)
            if not name.isascii():
                ace = _ace(name)
                if ace is not None:
                    target.add(ace)
    return frozenset(exact), frozenset(under), frozenset(excluded)


def _ace(name: str) -> str | None:
    """The xn-- form of an internationalised rule (Guava lists both spellings)."""
    try:
        return ".".join(label.encode("idna").decode("ascii") for label in name.split("."))
    except UnicodeError:
        return None


def _valid_part(part: str, last: bool) -> bool:
    if not 1 <= _utf16_len(part) <= _MAX_PART:
        return False
    # Only the ASCII characters are checked: letters, digits, '-' and '_'.
    if any(c < "\x80" and c not in _ASCII_PART_CHARS for c in part):
        return False
    if part[0] in "-_" or part[-1] in "-_":
        return False
    # The right-most label may not start with a digit (that keeps "10.0.0.1" out); Guava's
    # digit test is Unicode-wide but sees only the first UTF-16 unit.
    first = part[0]
    return not (last and first < "\U00010000" and first.isdecimal())


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for c in text if c > "\uffff")


@lru_cache(maxsize=4096)
def public_suffix(domain: str) -> tuple[bool, str | None]:
    """``(valid, suffix)``: whether Guava accepts ``domain``, and its public suffix or None."""
    name = domain.translate(_DOT_LIKE).translate(_ASCII_LOWER)
    if name.endswith("."):
        name = name[:-1]
    if _utf16_len(name) > _MAX_NAME:
        return False, None
    parts = name.split(".")
    if len(parts) > _MAX_PARTS:
        return False, None
    last = len(parts) - 1
    if not all(_valid_part(p, i == last) for i, p in enumerate(parts)):
        return False, None
    exact, under, excluded = _rules()
    for i in range(len(parts)):
        ancestor = ".".join(parts[i:])
        if ancestor in exact:
            return True, ancestor
        if ancestor in excluded:
            return True, ".".join(parts[i + 1 :])
        if i < last and ".".join(parts[i + 1 :]) in under:
            return True, ancestor
    return True, None
