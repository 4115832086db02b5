"""A Raft rule's twins agree (issue 13.4): each variant declares, by one key in its own class, its Z3 BMC
encoding (``bmc_encoding``) and, when the implementation can break the same rule, its planted bug
(``impl_bug``, a key of ``impl.raft.rules.BUGS``).  The variant set, the encoding set and the planted-bug
set must agree through those declarations only: every key names something that exists, every encoding
and every planted bug (but those below raft.tla's level of detail) is some variant's, and no tie is made
by comparing names.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from impl.raft.rules import BUGS, NO_VARIANT_YET, NOT_IN_SPEC, Rules, bug
from modelcheck.cli import main
from proofs.raft import bmc_variants
from proofs.raft.bmc_encoding import RaftBmcEncoding
from spec.raft import Raft
from spec.raft_variants import VolatileLog
from spec.registry import entry, lazy, variant

#: every encoding class proofs/raft/bmc_variants.py defines
ENCODINGS = frozenset(
    c for c in vars(bmc_variants).values()
    if isinstance(c, type) and issubclass(c, RaftBmcEncoding) and c.__module__ == bmc_variants.__name__
)


def disagreements(variants: Mapping[str, type[Raft]], encodings: frozenset[type], bugs: Mapping[str, type[Rules]],
                  not_in_spec: frozenset[str]) -> list[str]:
    """Every way the three sets fail to agree, one line each (empty: they agree)."""
    out = []
    owner: dict[object, str] = {}
    for name, cls in variants.items():
        ref = vars(cls).get("bmc_encoding")
        try:
            enc = lazy(ref) if ref else None
        except (ImportError, AttributeError):
            enc = None
        if not (isinstance(enc, type) and issubclass(enc, RaftBmcEncoding)) or enc is RaftBmcEncoding:
            out.append(f"{name}: bmc_encoding {ref!r} names no variant encoding")
        elif enc in owner:
            out.append(f"{name}: bmc_encoding {enc.__name__} is also {owner[enc]}'s")
        else:
            owner[enc] = name
    out += [f"encoding {e.__name__}: no variant declares it" for e in sorted(encodings - owner.keys(), key=str)]
    bug_owner: dict[str, str] = {}
    for name, cls in variants.items():
        key = vars(cls).get("impl_bug")
        if key is None:
            continue
        if key not in bugs:
            out.append(f"{name}: impl_bug {key!r} names no planted bug")
        elif key in bug_owner:
            out.append(f"{name}: impl_bug {key!r} is also {bug_owner[key]}'s")
        else:
            bug_owner[key] = name
    out += [f"planted bug {k!r}: no variant declares it" for k in sorted(set(bugs) - bug_owner.keys() - not_in_spec)]
    return out


#: the snapshot rules' planted bugs: raft-snapshot's variant declares one (it has no BMC encoding), the others
#: have no variant yet; with the bugs below raft.tla's level, the planted bugs no raft variant declares
SNAPSHOT_BUGS = frozenset({vars(c).get("impl_bug") for c in entry("raft-snapshot").variants.values()} - {None})
#: the membership rule's planted bug: raft-config's single-server-no-errata declares it
CONFIG_BUGS = frozenset({vars(c).get("impl_bug") for c in entry("raft-config").variants.values()} - {None})
UNTIED = NOT_IN_SPEC | NO_VARIANT_YET | SNAPSHOT_BUGS | CONFIG_BUGS


def test_raft_variants_encodings_and_planted_bugs_agree() -> None:
    variants = entry("raft").variants
    assert {"install-moves-commit-back"} == SNAPSHOT_BUGS and len(NO_VARIANT_YET) == 4
    assert {"single-server-no-errata"} == CONFIG_BUGS and BUGS.keys() >= CONFIG_BUGS
    assert len(variants) == 11 and len(ENCODINGS) == 11 and len(BUGS) == 16
    assert disagreements(variants, ENCODINGS, BUGS, UNTIED) == []
    with_bug = sorted(n for n, c in variants.items() if vars(c).get("impl_bug"))
    assert with_bug == ["accept-stale-term", "commit-no-min", "count-stale-votes", "no-figure8-rule",
                        "truncate-on-match", "volatile-vote", "vote-without-log-check"]
    assert {"skip-fsync", "leader-counts-unsynced", "stale-reads"} == NOT_IN_SPEC  # storage, the KV layer
    for key, rules in BUGS.items():
        assert bug(key).key == key
        overridden = [n for n in vars(rules) if callable(getattr(Rules, n, None))]
        assert len(overridden) == 1, (key, overridden)  # one rule broken, as in its variant
    with pytest.raises(ValueError, match="no planted bug 'nope'"):
        bug("nope")


class _Undeclared(Raft):
    variant = "undeclared"


class _Misnamed(Raft):
    variant = "misnamed"
    bmc_encoding = "proofs.raft.bmc_variants:NoSuchEncoding"
    impl_bug = "no-such-bug"


class _Sharing(Raft):
    variant = "sharing"
    bmc_encoding = "proofs.raft.bmc_variants:VolatileLog"  # volatile-log's
    impl_bug = "volatile-vote"  # volatile-vote's


class _SpeltAlike(Raft):
    """Named like a planted bug and like an encoding's class, declaring neither: not tied."""

    variant = "stale-reads"


def test_each_way_of_disagreeing_is_caught() -> None:
    variants = dict(entry("raft").variants)
    assert disagreements({**variants, "undeclared": _Undeclared}, ENCODINGS, BUGS, UNTIED) == [
        "undeclared: bmc_encoding None names no variant encoding"]
    assert disagreements({**variants, "misnamed": _Misnamed}, ENCODINGS, BUGS, UNTIED) == [
        "misnamed: bmc_encoding 'proofs.raft.bmc_variants:NoSuchEncoding' names no variant encoding",
        "misnamed: impl_bug 'no-such-bug' names no planted bug"]
    assert disagreements({**variants, "sharing": _Sharing}, ENCODINGS, BUGS, UNTIED) == [
        "sharing: bmc_encoding VolatileLog is also volatile-log's",
        "sharing: impl_bug 'volatile-vote' is also volatile-vote's"]
    dropped = {n: c for n, c in variants.items() if n != "match-len"}
    assert disagreements(dropped, ENCODINGS, BUGS, UNTIED) == ["encoding MatchLen: no variant declares it"]
    some = UNTIED - {"stale-reads"}
    assert disagreements(variants, ENCODINGS, BUGS, some) == [
        "planted bug 'stale-reads': no variant declares it"]
    # a name spelt like a planted bug's key ties nothing: stale-reads is still no variant's
    assert disagreements({**variants, "stale-reads": _SpeltAlike}, ENCODINGS, BUGS, some)[-1] == (
        "planted bug 'stale-reads': no variant declares it")


def test_bmc_refuses_a_variant_that_declares_no_encoding(capsys: pytest.CaptureFixture[str]) -> None:
    variant("raft")(_Undeclared)
    try:
        assert main(["bmc", "raft", "--variant", "undeclared", "--depth", "1"]) == 2
    finally:
        del entry("raft").variants["undeclared"]
    err = capsys.readouterr().err.strip()
    assert err.endswith("bmc: no Z3 encoding of raft variant 'undeclared'; encoded: no-figure8-rule, "
                        "vote-without-log-check, volatile-vote, truncate-on-match, count-stale-votes, volatile-term, "
                        "volatile-log, match-len, accept-stale-term, commit-no-min, vote-len-only")
    assert len(err.splitlines()) == 1
    with pytest.raises(KeyError):  # a variant does not inherit raft.tla's encoding
        bmc_variants.encoding_class(_Undeclared)


class _Watched(VolatileLog):
    """Not a new variant: volatile-log with one more invariant (as a test or a user may write)."""


def test_a_subclass_that_is_no_new_variant_keeps_its_parent_s_encoding() -> None:
    assert bmc_variants.encoding_class(_Watched) is bmc_variants.VolatileLog
    assert bmc_variants.encoding_class(type("Plain", (Raft,), {})) is RaftBmcEncoding
    with pytest.raises(KeyError):
        bmc_variants.encoding_class(type("Sub", (_Undeclared,), {}))
