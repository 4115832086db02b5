"""``paxraft infer``: inductive invariants inferred from the explicit checker's reachable states.

``language`` (clauses, read and written as text), ``templates`` (the clauses' shapes and atoms),
``samples`` (explored states as bit rows), ``enumerate`` (every minimal clause true on them),
``select`` (an inductive subset that implies safety, grown from Z3's counterexamples),
``system`` (the proof model as infer sees it, and minimising), ``pipeline`` (the stages, timed),
``paxos`` (Paxos's signature, templates and samples) and ``cmd_infer`` (the sub-command).
"""
