"""Z3 encodings users write in their own spec files: ``paxraft prove FILE.py:Class`` and ``paxraft bmc``.

What a user imports: :class:`Encoding` (subclass it beside the spec), :func:`transition` (one per action)
and :func:`total_order_axioms` (an ordered sort's axioms). docs/proofs.md, "Proving your own protocol".
"""

from proofs.logic import total_order_axioms
from proofs.user.encoding import Encoding, EncodingError, transition

__all__ = ["Encoding", "EncodingError", "total_order_axioms", "transition"]
