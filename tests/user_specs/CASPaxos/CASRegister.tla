---- MODULE CASRegister ----
(* paxraft's abstract spec of CASPaxos (tests/user_specs/caspaxos.py's CASRegister): each ballot writes once,
   Mutator(b, w) of a write w of a lower ballot c no older than the latest commit below b; a written ballot
   may commit. Ballot 0 holds the initial value, committed. *)
EXTENDS Integers
CONSTANTS Values, Ballots, Mutator(_, _), InitialValue
VARIABLES written, committed

Init == /\ written = {<<0, InitialValue>>}
        /\ committed = {0}

Write(b, c, w) ==
    /\ <<c, w>> \in written
    /\ c < b
    /\ \A x \in written : x[1] # b
    /\ \A x \in committed : x < b => c >= x
    /\ written' = written \cup {<<b, Mutator(b, w)>>}
    /\ UNCHANGED committed

Commit(b) ==
    /\ b \notin committed
    /\ \E x \in written : x[1] = b
    /\ committed' = committed \cup {b}
    /\ UNCHANGED written

Next == \E b \in Ballots : \/ Commit(b)
                          \/ \E x \in written : Write(b, x[1], x[2])

Spec == Init /\ [][Next]_<<written, committed>>
====
