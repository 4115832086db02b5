"""Spelling hints for names a user typed: the one rule every "did you mean" message follows.

A hint names every known name as close to the typed one as the closest (difflib's similarity, at least 0.6), in
the order the caller lists them: ``SentLeadsToRcvd`` is as close to ``SentLeadsToRcvd_d1`` as to ``_d2``, and
naming only one of the two would send the user to the wrong property half the time.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, known: Iterable[str]) -> list[str]:
    """The known names tied for closest to ``word``; none when nothing is close. Where none is close by similarity, the
    one name ``word`` begins (of three characters or more), as a flag it abbreviates is preferred: ``--variant eager``
    for eager-last-ack, which 0.53 alike had no hint."""
    names = list(dict.fromkeys(known))
    close = difflib.get_close_matches(word, names, n=len(names) or 1)
    if not close:
        longer = [n for n in names if len(word) >= 3 and n.startswith(word)]
        return longer if len(longer) == 1 else []
    best = difflib.SequenceMatcher(None, word, close[0]).ratio()
    return [n for n in names if n in close and difflib.SequenceMatcher(None, word, n).ratio() == best]


def did_you_mean(word: str, known: Iterable[str], *, quote: bool = True) -> str:
    """``did you mean 'X'?`` (or ``'X' or 'Y'``), or ``""`` when nothing is close; flags go unquoted."""
    names = closest(word, known)
    if not names:
        return ""
    return f"did you mean {' or '.join(repr(n) if quote else n for n in names)}?"


def flag_hint(typed: str, flags: Iterable[str]) -> str:
    """``; did you mean --X?`` for a flag not taken, or ``""``: names compared without the dashes every flag shares
    (with them, ``--bogus`` was as close to ``--out`` as the rule asks), and a flag the typed one abbreviates
    preferred (``--cert``: ``--certificate``, too short to be close by similarity alone)."""
    named = {f.lstrip("-"): f for f in flags}
    bare = typed.lstrip("-")
    longer = [n for n in named if bare and n.startswith(bare)]
    names = longer if len(longer) == 1 else closest(bare, longer or named)
    return f"; did you mean {' or '.join(named[n] for n in names)}?" if names else ""


def hint(word: str, known: Iterable[str], *, quote: bool = True) -> str:
    """``; did you mean 'X'?`` to end a message with, or ``""``."""
    text = did_you_mean(word, known, quote=quote)
    return f"; {text}" if text else ""


def family(names: Iterable[str], name: str | None) -> list[str]:
    """The entries ``name(...)`` of a name declared once per process or value: TLA+'s ``\\A r \\in Readers :
    ...`` as Disruptor's ``Liveliness(r1,0)`` to ``Liveliness(r3,9)``."""
    return [] if not name else [n for n in names if n.startswith(f"{name}(") and n.endswith(")")]


def names_property(names: Iterable[str], name: str | None) -> bool:
    """Whether ``name`` is one of the temporal properties ``names``, or the family of one declared per process
    (``CarsEnterBridge`` for ``CarsEnterBridge(r1)`` ...), as ``--liveness NAME`` and a variant's ``breaks`` take it."""
    names = list(names)
    return name is not None and (name in names or bool(family(names, name)))


def families(names: Iterable[str]) -> list[str]:
    """The names of the families among ``names`` (a user types ``Liveliness`` for its 30 entries)."""
    names = list(names)
    return list(dict.fromkeys(head for n in names if family(names, head := n.partition("(")[0])))


def shown_names(names: Iterable[str]) -> str:
    """The names, each run of more than three entries of a family as its first and last and its size: 30 names
    made a one-line error of 1,000 characters, cut before what it said of the name typed."""
    names, out, i = list(names), [], 0
    while i < len(names):
        head, j = names[i].partition("(")[0], i
        while j + 1 < len(names) and family([names[j + 1]], head):
            j += 1
        if j - i >= 3 and family([names[i]], head):
            out.append(f"{names[i]} .. {names[j]} ({j - i + 1} entries of {head})")
        else:
            out.extend(names[i : j + 1])
        i = j + 1
    return ", ".join(out)
