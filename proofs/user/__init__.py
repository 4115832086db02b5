"""Z3 encodings users write in their own spec files: ``paxraft prove FILE.py:Class`` and ``paxraft bmc``.

What a user imports: :class:`Encoding` (subclass it beside the spec), :func:`transition` (one per action)
and :func:`total_order_axioms` (an ordered sort's axioms); :func:`template` shapes ``paxraft infer``'s clauses.
docs/proofs.md, "Proving your own protocol"; docs/inference.md, "Your own protocol".
"""

from proofs.logic import total_order_axioms
from proofs.user.encoding import Encoding, EncodingError, template, transition

__all__ = ["Encoding", "EncodingError", "template", "total_order_axioms", "transition"]
