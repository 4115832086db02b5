"""``paxraft prove FILE.py:Class`` and ``paxraft bmc FILE.py:Class``: a user's own encoding, from their file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import z3

from modelcheck.cli.common import UsageError, bounds_from_args, resolve
from modelcheck.engine.explain import format_trace
from modelcheck.engine.result import Step, shown_state
from proofs.cti import print_ctis
from proofs.logic import PROVED, discharge, inductive_obligations, table, z3_timeout
from proofs.user.encoding import EncodingError, Prepared
from spec.registry import load_user_module

#: prove's options that only the shipped proofs take
_SHIPPED_ONLY = ("quorum_axiom", "flexible", "restarts", "commit", "complete")


@dataclass
class UserModel:
    """What the arguments name for a user's proof command (prove, bmc, infer): the spec class, its encoding (the named
    file's first), the bounds given, and the spec's name as check gives it (``LockServ``, or
    ``LockServ[grant-twice]`` for a variant, by ``--variant`` or by its class: not the variant's class name)."""

    prep: Prepared
    cls: type
    bounds: dict[str, Any]
    name: str


def user_model(args: argparse.Namespace) -> UserModel:
    """The :class:`UserModel` of ``args`` (its spec resolved once)."""
    e, cls = resolve(args)
    variant = getattr(cls, "variant", None)  # (--variant, or the variant's class named: FILE.py:GrantTwice)
    return UserModel(Prepared.of(cls, named_module(args.spec)), cls, bounds_from_args(e, args),
                     f"{e.name}[{variant}]" if variant else e.name)


def named_module(ref: str) -> ModuleType | None:
    """The module of ``FILE.py:Class`` (or ``module:Class``), loaded already by resolve()."""
    where = ref.rsplit(":", 1)[0]
    return load_user_module(where) if where.endswith(".py") else sys.modules.get(where)


def _z3(prep: Prepared, what: str, exc: z3.Z3Exception) -> EncodingError:
    return prep.error(f"{what}: z3 error: {exc}")


def prove(args: argparse.Namespace) -> int:
    """The obligation table of the user's encoding; ``--conformance`` checks it against the explicit spec."""
    from proofs.cmd_prove import listed

    given = [f"--{k.replace('_', '-')}" for k in _SHIPPED_ONLY if getattr(args, k, None)]
    if given:
        raise UsageError(f"prove {args.spec}: {given[0]} is an option of the shipped proofs (paxos, raft)")
    model = user_model(args)
    prep, cls, bounds = model.prep, model.cls, model.bounds
    if args.invariant:
        _given_invariant(prep, args.invariant)
    pre = prep.state("")
    if listed(args, list(prep.invariant(pre)), args.spec):
        return 0
    if bounds and not (args.conformance or args.certificate):
        raise UsageError("bound flags give the instance of --conformance (and --certificate); the proof is for any")
    if args.conformance:  # in place of the proof: it is quick, and says whether the proof is about the spec
        return _conformance(prep, cls, bounds)
    try:
        obs = inductive_obligations(prep, tuple(args.drop), prep.all_sorts(), prep.safety)
        outcomes = [discharge(ob, z3_timeout("--timeout", args.timeout)) for ob in obs]
    except z3.Z3Exception as exc:
        raise _z3(prep, "discharging the obligations", exc) from exc
    sizes = ", ".join(prep.sorts)
    title = f"{model.name} ({prep.where.split(': ')[0]}), encoding {type(prep.user).__name__}"
    if args.drop:
        title += f", without {', '.join(args.drop)}"
    print(table(outcomes, f"{title} (any number of {sizes})" if sizes else title))
    if args.certificate:
        _certificate(args, prep, cls, bounds, title, outcomes)
    from proofs.user.cti import extract

    print_ctis(outcomes, extract, args.cti_dir)
    return 0 if all(o.result == PROVED for o in outcomes) else 1


def _given_invariant(prep: Prepared, path: str) -> None:
    """Prove with the conjuncts of ``path`` (as ``paxraft infer FILE.py:Class --out`` writes them) in place of the
    encoding's own invariant; a missing or malformed file is one line naming the file and line."""
    from proofs.infer.language import InvariantSyntaxError
    from proofs.infer.user import invariant_from_file

    try:
        prep.given_invariant = invariant_from_file(prep, path)
    except InvariantSyntaxError as exc:
        raise UsageError(f"--invariant {exc}") from None


def _conformance(prep: Prepared, cls: type, bounds: dict[str, Any]) -> int:
    """Check the encoding against the explicit spec on the instance ``bounds`` give: 0 when they agree, else 1."""
    from proofs.user.conformance import check, failures
    from proofs.user.instance import Instance

    spec = cls(**bounds)
    rep = check(prep, spec)
    print(f"conformance of {type(prep.user).__name__} with {spec.describe()}:")
    print("\n".join("  " + line for line in rep.summary().splitlines()))
    def show(s: Any) -> str:
        return "[" + ", ".join(f"{k} = {v}" for k, v in shown_state(spec, s).items()) + "]"

    for line in failures(rep, Instance(prep, spec), show):
        print("  " + line)
    print("the encoding conforms" if rep.ok else "the encoding does NOT conform to the spec")
    return 0 if rep.ok else 1


def _certificate(args: argparse.Namespace, prep: Prepared, cls: type, bounds: dict[str, Any], title: str,
                 outcomes: list) -> None:
    from proofs import certificate
    from proofs.user.conformance import check

    spec = cls(**bounds)
    report = check(prep, spec)
    record = certificate.conformance_record(cls.__name__, spec.bounds(), report)
    kept = [c for c in prep.invariant(prep.state("")) if c not in args.drop]
    path = certificate.write(args.certificate, cls.__name__, title, kept, outcomes, record)
    print(certificate.written(path, outcomes, record))


def bmc(args: argparse.Namespace) -> int:
    """Unroll depth 0..K of the user's encoding on the instance the bounds give; 1 with the shortest
    counterexample, 0 without, 2 when Z3 gave up."""
    from proofs.user.bmc import bmc as run_bmc
    from proofs.user.instance import Instance

    model = user_model(args)
    prep, cls = model.prep, model.cls
    spec = cls(**model.bounds)
    try:
        res = run_bmc(prep, spec, args.depth, timeout_ms=z3_timeout("--timeout", args.timeout))
    except z3.Z3Exception as exc:
        raise _z3(prep, "unrolling the encoding", exc) from exc
    print(f"BMC: {spec.describe()}, encoding {type(prep.user).__name__}, depth 0..{args.depth}")
    times = " ".join(f"{t:.2f}" for t in res.seconds_per_depth)
    if res.unknown:
        print(f"Z3 gave up at {res.unknown}; no violation up to the depth before (per depth: {times})")
        return 2
    safety = ", ".join(prep.safety(prep.state("")))
    if res.length is None:
        print(f"No violation of {safety} within {args.depth} steps ({res.seconds:.2f}s; per depth: {times})")
        return 0
    verb = "is" if len(res.violated) == 1 else "are"
    steps = f"{res.length} step{'s' * (res.length != 1)}"
    print(f"{' and '.join(res.violated)} {verb} violated; shortest counterexample: {steps} "
          f"({res.seconds:.2f}s; per depth: {times})")
    inst = Instance(prep, spec)
    width = max(len(k) for k in prep.variables)
    before: dict[str, str] = {}
    for n, st in enumerate(res.trace):  # the first state in full, then what each step changed
        head = "initial state" if st.action is None else (
            f"{st.action}({', '.join(f'{k}={inst_show(inst, prep, st.action, k, v)}' for k, v in st.params.items())})")
        print(f"  {n}: {head}")
        for k, v in inst.rows(st.state):
            if before.get(k) != v:
                print(f"       {k:<{width}}  {v}")
            before[k] = v
    if res.spec_trace is None:
        print("the spec has no behaviour through these states: the encoding drifted from it (run prove --conformance)")
        return 3
    print(f"the same behaviour of {cls.__name__}:")
    print(format_trace(spec, [Step(label, s) for label, s in res.spec_trace]))
    return 1


def inst_show(inst: Any, prep: Prepared, action: str, param: str, value: Any) -> str:
    """A parameter's value named as CTIs name elements."""
    sort = next(t.params[param] for t in prep.transitions if t.name == action)
    return inst.show(sort, value)
