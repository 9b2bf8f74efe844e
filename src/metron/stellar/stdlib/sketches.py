"""Sketches from metron-statistics: distinct counts (HLLP_*), reservoir samples (SAMPLE_*),
Shannon entropy (IT_ENTROPY) and median-absolute-deviation outlier scores (OUTLIER_MAD_*).

The sketches are opaque objects that the ``*_ADD`` functions change in place and return, so
profiles can build them up value by value and merge them across periods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from metron.stellar.convert import to_integer
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._hllp import HyperLogLogPlus
from metron.stellar.stdlib._sketchtypes import MedianAbsoluteDeviationState, UniformSampler
from metron.stellar.stdlib._statmath import java_div, java_log
from metron.stellar.types import (
    INT_MAX,
    INT_MIN,
    JavaSet,
    Long,
    is_number,
    java_type_name,
    to_java_string,
    wrap_int,
)

__all__: list[str] = []

_LOG2 = math.log(2)
_ITERABLES = (list, JavaSet, set, frozenset, tuple)


def _cast(value: Any, kind: type, what: str) -> Any:
    if value is None or isinstance(value, kind):
        return value
    raise StellarError(f"{java_type_name(value)} cannot be cast to {what}")


# -- HyperLogLog++ ----------------------------------------------------------------------------


@stellar(
    "HLLP_INIT",
    params=[
        "p - (optional) the precision of the dense registers, 4 <= p <= sp; default 14",
        "sp - (optional) the precision of the sparse set, at most 32; 0 (or only p given) "
        "disables it; default 25",
    ],
    returns="a new, empty HyperLogLog++ estimator",
    description=(
        "Makes a HyperLogLog++ distinct-value estimator. While few values have been added it "
        "keeps a sparse set and counts exactly; it then switches to 2^p registers, with a "
        "relative error of about 1.04/sqrt(2^p)."
    ),
    examples=[
        ("HLLP_CARDINALITY(HLLP_INIT())", Long(0)),
        Example("HLLP_INIT(10, 20)", check=False),
        Example("HLLP_INIT(12, 8)", error=True),
    ],
    pure=True,
)
def hllp_init(*args: Any) -> HyperLogLogPlus:
    if not args:
        return HyperLogLogPlus()
    p = to_integer(args[0])
    if p is None:
        raise StellarError(f"Unable to get p value from '{to_java_string(args[0])}'")
    if len(args) == 1:
        return HyperLogLogPlus(p, 0)
    sp = to_integer(args[1])
    if sp is None:
        raise StellarError(f"Unable to get sp value from '{to_java_string(args[1])}'")
    return HyperLogLogPlus(p, sp)


@stellar(
    "HLLP_ADD",
    params=[
        "hyperLogLogPlus - the estimator; null makes a new one with the default precisions",
        "value - a value to add, or a list of values (each element is added)",
    ],
    returns="the estimator, with the value(s) added",
    description=(
        "Adds a value, or every element of a list, to a HyperLogLog++ estimator, changing it. "
        "Values are told apart by their string form, so 1 and '1' count once; null counts as a "
        "value of its own."
    ),
    examples=[
        ("HLLP_CARDINALITY(HLLP_ADD(HLLP_INIT(), ['a', 'b', 'a']))", Long(2)),
        ("HLLP_CARDINALITY(HLLP_ADD(HLLP_ADD(null, 1), '1'))", Long(1)),
        Example("HLLP_ADD(HLLP_INIT())", error=True),
    ],
    pure=True,
)
def hllp_add(*args: Any) -> HyperLogLogPlus:
    if len(args) < 2:
        raise StellarError(
            "Must pass an hllp estimator set and at least one value to add to the set"
        )
    hllp = _cast(args[0], HyperLogLogPlus, "HyperLogLogPlus")
    if hllp is None:
        hllp = HyperLogLogPlus()
    values = args[1]
    if isinstance(values, list):
        for value in values:
            hllp.add(value)
    else:
        hllp.add(values)
    return hllp


@stellar(
    "HLLP_CARDINALITY",
    params=["hyperLogLogPlus - the estimator"],
    returns="the estimated number of distinct values, as a Long; 0 for null or a non-estimator",
    description="Estimates how many distinct values were added to a HyperLogLog++ estimator.",
    examples=[
        ("HLLP_CARDINALITY(HLLP_ADD(HLLP_INIT(5, 6), ['red', 'green', 'blue']))", Long(3)),
        ("HLLP_CARDINALITY(null)", Long(0)),
    ],
    pure=True,
)
def hllp_cardinality(*args: Any) -> Long:
    if len(args) == 1 and isinstance(args[0], HyperLogLogPlus):
        return Long(args[0].cardinality())
    return Long(0)


@stellar(
    "HLLP_MERGE",
    params=["hllp - a list of estimators (or a single estimator)"],
    returns="a new estimator holding all their values; the estimator itself when given one; null for an empty list",
    description=(
        "Merges HyperLogLog++ estimators into a new one with the precisions of the first. The "
        "estimators must share the same p."
    ),
    examples=[
        (
            "HLLP_CARDINALITY(HLLP_MERGE([HLLP_ADD(HLLP_INIT(), ['a', 'b']), HLLP_ADD(HLLP_INIT(), ['b', 'c'])]))",
            Long(3),
        ),
        ("HLLP_MERGE([])", None),
        Example("HLLP_MERGE(HLLP_INIT(), HLLP_INIT())", error=True),
    ],
    pure=True,
)
def hllp_merge(*args: Any) -> HyperLogLogPlus | None:
    if len(args) != 1:
        raise StellarError("Must pass single list of hllp sets to merge")
    estimators = args[0] if isinstance(args[0], list) else [args[0]]
    if not estimators:
        return None
    first = _cast(estimators[0], HyperLogLogPlus, "HyperLogLogPlus")
    if len(estimators) == 1:
        return first
    others = [_cast(e, HyperLogLogPlus, "HyperLogLogPlus") for e in estimators[1:]]
    if first is None or None in others:
        raise StellarError("cannot merge a null estimator")
    return first.merge(others)


# -- reservoir sampling -----------------------------------------------------------------------


def _sampler(value: Any, what: str) -> UniformSampler:
    if isinstance(value, UniformSampler):
        return value
    raise StellarError(f"Expected {what}, but found {to_java_string(value)}")


@stellar(
    "SAMPLE_INIT",
    params=["size - (optional) how many values the sample keeps; default 1024"],
    returns="a new, empty reservoir sampler",
    description=(
        "Makes a reservoir sampler: once full, every value seen so far has the same chance of "
        "being in the sample. Its random generator has a fixed seed, so the same values give "
        "the same sample."
    ),
    examples=[
        ("SAMPLE_GET(SAMPLE_INIT(3))", []),
        Example("SAMPLE_INIT(0)", error=True),
    ],
    pure=True,
)
def sample_init(*args: Any) -> UniformSampler:
    if not args:
        return UniformSampler()
    size = to_integer(args[0])
    if size is None and args[0] is not None:
        raise StellarError(f"Size argument {to_java_string(args[0])} is expected to be an integer")
    if size is not None and size <= 0:
        raise StellarError("Size must be a positive integer")
    return UniformSampler(UniformSampler.DEFAULT_SIZE if size is None else size)


@stellar(
    "SAMPLE_ADD",
    params=[
        "sampler - the sampler; null makes one of the default size",
        "o - the value to add; each element is added when it is a list or a set",
    ],
    returns="the sampler, with the value(s) offered",
    description="Offers a value, or each element of a list or set, to a reservoir sampler, changing it. Nulls are ignored.",
    examples=[
        ("SAMPLE_GET(SAMPLE_ADD(SAMPLE_INIT(5), [3, null, 1]))", [3, 1]),
        ("SAMPLE_GET(SAMPLE_ADD(SAMPLE_INIT(3), [1, 2, 3, 4, 5, 6, 7, 8]))", [1, 6, 7]),
    ],
    pure=True,
)
def sample_add(*args: Any) -> UniformSampler | None:
    if not args:
        return None
    if len(args) < 2:
        raise StellarError("Expected sampler and value to add")
    sampler = UniformSampler() if args[0] is None else _sampler(args[0], "a sampler")
    values = args[1]
    if values is None:
        return sampler
    if isinstance(values, _ITERABLES):
        sampler.add_all(values)
    else:
        sampler.add(values)
    return sampler


@stellar(
    "SAMPLE_GET",
    params=["sampler - the sampler"],
    returns="the sample, a list (in order of arrival until the sampler is full); null for a null sampler",
    description="The values currently held by a reservoir sampler.",
    examples=[
        ("SAMPLE_GET(SAMPLE_ADD(SAMPLE_INIT(), ['a', 'b']))", ["a", "b"]),
        ("SAMPLE_GET(null)", None),
    ],
    pure=True,
)
def sample_get(*args: Any) -> list[Any] | None:
    if not args or args[0] is None:
        return None
    return _sampler(args[0], "a sampler").get()


@stellar(
    "SAMPLE_MERGE",
    params=[
        "samplers - a list of samplers",
        "baseSampler - (optional) the sampler to merge into (it is changed); by default a new "
        "empty sampler of the first one's size",
    ],
    returns="a sampler resampled from the samples of all of them; null for an empty or null list",
    description="Merges reservoir samplers by offering every value of their samples to one sampler.",
    examples=[
        (
            "SAMPLE_GET(SAMPLE_MERGE([SAMPLE_ADD(SAMPLE_INIT(4), [1, 2]), SAMPLE_ADD(SAMPLE_INIT(4), [3])]))",
            [1, 2, 3],
        ),
        ("SAMPLE_GET(SAMPLE_MERGE([SAMPLE_ADD(SAMPLE_INIT(), [1, 2, 3])], SAMPLE_INIT(1)))", [1]),
    ],
    pure=True,
)
def sample_merge(*args: Any) -> UniformSampler | None:
    if not args or args[0] is None:
        return None
    samplers = args[0]
    if not isinstance(samplers, _ITERABLES):
        raise StellarError("Expected a collection of Samplers")
    base = None
    if len(args) > 1 and args[1] is not None:
        if not isinstance(args[1], UniformSampler):
            raise StellarError("Expected baseSampler to be a Sampler")
        base = args[1]
    items = list(samplers)
    if not items:
        return None
    clone = _sampler(items[0], "a sampler").clone_empty()  # made even when a base is given
    merged = base if base is not None else clone
    for item in items:
        merged.add_all(_sampler(item, "a sampler").get())
    return merged


# -- information theory -----------------------------------------------------------------------


@stellar(
    "IT_ENTROPY",
    params=["input - a multiset: a map from objects to their (integer) counts"],
    returns="the base-2 Shannon entropy of the counts, in bits; 0.0 for an empty map; null for null",
    description=(
        "Computes the Shannon entropy of a distribution given as counts, e.g. the output of "
        "MULTISET_ADD. A zero count makes the result NaN, as in Metron."
    ),
    examples=[
        ("IT_ENTROPY({'heads': 1, 'tails': 1})", 1.0),
        ("IT_ENTROPY({'x': 6, 'y': 1, 'z': 1})", 1.061278124459133),
        ("IT_ENTROPY({})", 0.0),
        Example("IT_ENTROPY('abc')", error=True),
    ],
    pure=True,
)
def it_entropy(*args: Any) -> float | None:
    if not args:
        raise StellarError("IT_ENTROPY expects exactly one argument.")
    counts = args[0]
    if counts is None:
        return None
    if not isinstance(counts, Mapping):
        raise StellarError(
            "IT_ENTROPY expects exactly one argument and expects it to be a map of counts (e.g. Map<?, Integer>)"
        )
    values = list(counts.values())
    for v in values:
        if type(v) is not int or not INT_MIN <= v <= INT_MAX:
            raise StellarError(f"count {to_java_string(v)} ({java_type_name(v)}) is not an Integer")
    total = 0
    for v in values:
        total = wrap_int(total + v)
    entropy = 0.0
    for v in values:
        p = java_div(float(v), total)
        entropy -= p * java_log(p) / _LOG2
    return entropy


# -- median absolute deviation ----------------------------------------------------------------


def _mad_state(value: Any) -> MedianAbsoluteDeviationState | None:
    return _cast(value, MedianAbsoluteDeviationState, "a MAD state")


def _java_number(value: Any) -> float:
    if is_number(value):
        return float(value)
    raise StellarError(f"{java_type_name(value)} {to_java_string(value)} is not a number")


@stellar(
    "OUTLIER_MAD_STATE_MERGE",
    params=[
        "states - a list of MAD states to merge, usually those of previous periods",
        "currentState - (optional) the current state",
    ],
    returns="a new MAD state whose window holds the current state's data and the listed states' data",
    description=(
        "Starts a median absolute deviation state for a new period. Its window combines the "
        "current state's period with the listed states; its own period starts empty. Without "
        "listed states the window shares the current state's providers rather than copying them."
    ),
    examples=[
        Example("OUTLIER_MAD_STATE_MERGE([])", check=False),
        Example("OUTLIER_MAD_STATE_MERGE('state')", error=True),
    ],
    pure=True,
)
def outlier_mad_state_merge(*args: Any) -> MedianAbsoluteDeviationState:
    states = args[0]
    if states is not None and not isinstance(states, list):
        raise StellarError(f"{java_type_name(states)} cannot be cast to a list of MAD states")
    current = _mad_state(args[1]) if len(args) > 1 else None
    previous: list[MedianAbsoluteDeviationState] = []
    for state in states or ():
        if state is None:
            raise StellarError("a MAD state in the list is null")
        previous.append(_cast(state, MedianAbsoluteDeviationState, "a MAD state"))
    return MedianAbsoluteDeviationState(previous, current)


@stellar(
    "OUTLIER_MAD_ADD",
    params=["state - the MAD state", "value - a number, or a list of numbers, to add"],
    returns="the state, with the values added; null for a null state",
    description="Adds numbers to a median absolute deviation state, changing it. NaN values are ignored.",
    examples=[
        Example("OUTLIER_MAD_ADD(OUTLIER_MAD_STATE_MERGE([]), [1, 2, 3])", check=False),
        Example("OUTLIER_MAD_ADD(OUTLIER_MAD_STATE_MERGE([]), '7')", error=True),
    ],
    pure=True,
)
def outlier_mad_add(*args: Any) -> MedianAbsoluteDeviationState | None:
    state = _mad_state(args[0])
    value = args[1]
    if value is None:
        data: list[float] = []
    elif isinstance(value, list):
        data = [_java_number(v) for v in value]
    else:
        data = [_java_number(value)]
    if state is not None:
        for d in data:
            state.add(d)
    return state


_MAD_SAMPLE = "OUTLIER_MAD_ADD(OUTLIER_MAD_STATE_MERGE([]), [2, 3, 4, 6, 20])"


@stellar(
    "OUTLIER_MAD_SCORE",
    params=[
        "state - the MAD state",
        "value - the value to score",
        "scale - (optional) the scale of the modified z-score; default 0.6745",
    ],
    returns="the modified z-score scale·|value - median| / MAD; NaN for a null state or value",
    description=(
        "Scores how much of an outlier a value is against a median absolute deviation state "
        "(Iglewicz and Hoaglin's modified z-score; above 3.5 is usually called an outlier)."
    ),
    examples=[
        (f"OUTLIER_MAD_SCORE({_MAD_SAMPLE}, 40)", 10.792),
        (f"OUTLIER_MAD_SCORE({_MAD_SAMPLE}, 40, 1)", 16.0),
        ("OUTLIER_MAD_SCORE(null, 4)", math.nan),
    ],
    pure=True,
)
def outlier_mad_score(*args: Any) -> float:
    state = _mad_state(args[0])
    datum = args[1]
    if datum is not None:
        datum = _java_number(datum)
    scale = 0.6745
    if len(args) > 2 and args[2] is not None:
        scale = _java_number(args[2])
    if datum is None or state is None:
        return math.nan
    return state.score(datum, scale)
