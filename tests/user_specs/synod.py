"""Synod.tla (Gafni and Lamport, Disk Paxos, section 4): the consensus problem Disk Paxos solves.

tests/user_specs/DiskPaxos/Synod.tla is tlaplus/Examples' specifications/diskpaxos/Synod.tla with one fix: its IFail
says ``allInput = allInput \\cup {ip}`` (unprimed), a slip of the transcription from the paper, which has
``allInput'``. As transcribed, IFail leaves allInput' free and is enabled only for an ip already in allInput, and TLC
finds HDiskSynod refines it not (a process that fails and takes a new input, 2 steps; SynodAsTranscribed.tla). This
file is the module Inner with the paper's IFail; ``SynodSpec == \\EE chosen, allInput : IS(chosen, allInput)!ISpec``
is checked by ``paxraft refine`` with HDiskSynod's history variables as the witnesses (hdisk_synod.py):

    paxraft check tests/user_specs/synod.py:Synod --procs 2 --inputs 2      # TLC's MC_Synod.cfg figures
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Annotated, Any, NamedTuple

from spec.core import Spec, SpecError, action, invariant

NOT_AN_INPUT = -1  # NotAnInput == CHOOSE c : c \notin Inputs (a model value in the cfg)


class SynodState(NamedTuple):
    input: tuple[int, ...]  # input[p]: p's current input (Inputs are 0..I-1: in1, in2, ...)
    output: tuple[int, ...]  # output[p]: p's decision, or NOT_AN_INPUT
    chosen: int  # the value chosen, or NOT_AN_INPUT (a history variable, hidden by \EE)
    allInput: frozenset[int]  # every input any process has had (hidden by \EE)


def input_name(v: int) -> str:
    return "NotAnInput" if v == NOT_AN_INPUT else f"in{v + 1}"


def replaced(t: tuple, i: int, x: object) -> tuple:
    """``[t EXCEPT ![i] = x]``"""
    return t[:i] + (x,) + t[i + 1 :]


def check_bounds(name: str, **bounds: int) -> None:
    """Each bound an integer from 1 to 4: the models grow fast in each (TLC's N=3 cfg does not finish here)."""
    for flag, x in bounds.items():
        if not isinstance(x, int) or isinstance(x, bool) or not 1 <= x <= 4:
            raise SpecError(f"{name}: --{flag} must be an integer from 1 to 4, got {x!r}")


class Synod(Spec):
    """Synod.tla's Inner: N processes each with an input; every output is the one value chosen, some process's input."""

    name = "Synod"
    variables = SynodState._fields

    def __init__(self, procs: Annotated[int, "number of processes (N; Proc = 1..N)"] = 2,
                 inputs: Annotated[int, "number of inputs (Inputs = in1..inK)"] = 2) -> None:
        check_bounds("Synod", procs=procs, inputs=inputs)
        self.Proc = tuple(range(procs))  # process i is TLA+'s i + 1
        self.Inputs = tuple(range(inputs))
        super().__init__()

    def init_states(self) -> Iterator[SynodState]:
        """IInit: input \\in [Proc -> Inputs], no output, nothing chosen, allInput the inputs."""
        for inp in product(self.Inputs, repeat=len(self.Proc)):
            yield SynodState(inp, (NOT_AN_INPUT,) * len(self.Proc), NOT_AN_INPUT, frozenset(inp))

    def each_proc_input(self, s: SynodState) -> list[tuple[int, int]]:
        return [(p, ip) for p in self.Proc for ip in self.Inputs]

    @action(each_proc_input)
    def IChoose(self, s: SynodState, p: int, ip: int) -> SynodState | None:
        """Output the chosen value, or choose one of allInput (``\\E ip \\in allInput``) when none is."""
        if s.output[p] != NOT_AN_INPUT:
            return None
        if s.chosen == NOT_AN_INPUT:
            if ip not in s.allInput:
                return None
            return s._replace(chosen=ip, output=replaced(s.output, p, ip))
        if ip != s.chosen:  # the ELSE branch is one step: taken with ip = chosen only
            return None
        return s._replace(output=replaced(s.output, p, s.chosen))

    @action(each_proc_input)
    def IFail(self, s: SynodState, p: int, ip: int) -> SynodState | None:
        """p forgets its output and takes a new input ip (the paper's ``allInput' = allInput \\cup {ip}``)."""
        return s._replace(output=replaced(s.output, p, NOT_AN_INPUT), input=replaced(s.input, p, ip),
                          allInput=s.allInput | {ip})

    @invariant
    def Agreement(self, s: SynodState) -> bool:
        """Not in Synod.tla (which is the spec, not a check): every output is the chosen value."""
        return all(o in (s.chosen, NOT_AN_INPUT) for o in s.output)

    def show_state(self, s: SynodState) -> dict[str, Any]:
        return {
            "input": {f"p{p + 1}": input_name(v) for p, v in enumerate(s.input)},
            "output": {f"p{p + 1}": input_name(v) for p, v in enumerate(s.output)},
            "chosen": input_name(s.chosen),
            "allInput": [input_name(v) for v in sorted(s.allInput)],
        }

    def show_param(self, action: str, param: str, value: Any) -> Any:
        return f"p{value + 1}" if param == "p" else input_name(value)

    def symmetric_sets(self) -> dict[str, int]:
        return {"Inputs": len(self.Inputs)}

    def permute(self, s: SynodState, perm: Any) -> SynodState:
        pi = perm["Inputs"]

        def v(x: int) -> int:
            return x if x == NOT_AN_INPUT else pi[x]

        return SynodState(tuple(v(x) for x in s.input), tuple(v(x) for x in s.output), v(s.chosen),
                          frozenset(v(x) for x in s.allInput))


class SynodAsTranscribed(Synod):
    """Synod's Inner as tlaplus/Examples transcribes it: IFail's ``allInput = allInput \\cup {ip}`` is unprimed."""

    name = "SynodAsTranscribed"

    @action(lambda self, s: [(p, ip, k) for p in self.Proc for ip in self.Inputs
                             for k in range(1 << len(self.Inputs))])
    def IFail(self, s: SynodState, p: int, ip: int, k: int) -> SynodState | None:
        """Enabled only for an ip already in allInput, and allInput' is left free: any set of inputs (the k-th)."""
        if ip not in s.allInput:
            return None
        free = frozenset(v for v in self.Inputs if k >> v & 1)
        return s._replace(output=replaced(s.output, p, NOT_AN_INPUT), input=replaced(s.input, p, ip), allInput=free)
