"""A spec whose Next is one action taking TLC's order: the counts at a violation's stop differ from TLC's only by the
order a state's successors are taken in, and this shows it.

TLC takes Next's disjuncts in the text's order for each binding of the existentials around them (``\\E p \\in Proc :
Req(p) \\/ Rsp(p) \\/ ...`` tries each action of p1 before any of p2's); paxraft takes each action for every parameter
before the next action. ``in_tlc_order(Spec, order)`` is ``Spec`` with one action, ``Next(name, params)``, whose
parameters ``order(spec, state)`` lists in TLC's order; the spec's own actions are left out of Next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spec.core import Spec, action


def in_tlc_order(cls: type[Spec], order: Callable[[Any, Any], list[tuple[str, tuple]]]) -> type[Spec]:
    """``cls`` with Next as one action ``Next(name, params)`` taking ``order``'s (action, parameters) in turn."""
    names = {n for klass in cls.__mro__ for n, v in vars(klass).items() if getattr(v, "__paxraft_action__", None)}

    def step(self: Any, s: Any, name: str, params: tuple) -> Any:
        return getattr(cls, name)(self, s, *params)

    def left_out(name: str) -> Callable:
        return action(present=lambda self: False)(lambda self, s, *params: getattr(cls, name)(self, s, *params))

    def show_param(self: Any, act: str, param: str, value: Any) -> Any:
        return value if act == "Next" else cls.show_param(self, act, param, value)

    # the spec's fairness and properties name its own actions, which are out of this Next: none here (the command
    # line refused the class for a fairness naming unknown actions even for a safety check)
    body: dict[str, Any] = {"canonical_order": False, "variant": None, "Next": action(order)(step),
                            "show_param": show_param, "fairness": lambda self: [], "properties": lambda self: {}}
    return type(f"{cls.__name__}InTLCOrder", (cls,), body | {n: left_out(n) for n in names})
