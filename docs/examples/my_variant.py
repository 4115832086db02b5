"""Two Paxos variants written outside paxraft, each changing one thing of spec/paxos.py.

    paxraft check docs/examples/my_variant.py:SilentVotes --acceptors 1
    paxraft check docs/examples/my_variant.py:ForgetVote --acceptors 1 --max-restarts 1

A variant subclasses the spec and overrides one action (a method with the action's
name and parameters, returning the successor state or None) or one parameter (a
class attribute or a helper method such as ``shows_safe``).  The base spec's other
actions, its invariants and its bounds (``--acceptors``, ``--max-ballot``, ...) are
inherited, so the checker, ``paxraft variants``-style verdicts and the Hypothesis
adapter (modelcheck/engine/stateful.py) all work on it unchanged.
"""

from spec.paxos import M1B, NONE, Paxos, PaxosState


class SilentVotes(Paxos):
    """Phase1b promises but does not report the acceptor's vote: the 1b message says 'never voted'."""

    variant = "silent-votes"
    rule = "Phase1b(a) sends maxVBal = -1 and maxVal = None whatever a voted"

    def Phase1b(self, s: PaxosState, a: int, b: int) -> PaxosState | None:
        """Paxos.tla's Phase1b, then the reported vote is blanked."""
        t = super().Phase1b(s, a, b)
        return None if t is None else t._replace(msgs=s.msgs | {(M1B, a, b, -1, NONE)})


class ForgetVote(Paxos):
    """After a restart an acceptor still knows its promise but not its vote (one parameter changed)."""

    variant = "forget-vote"
    rule = "Restart(a) keeps maxBal[a] only: the vote is not on stable storage"
    persists = ("maxBal",)
