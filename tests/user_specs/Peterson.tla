---- MODULE Peterson ----
(* Peterson's mutual exclusion for two processes, one process step per line of the algorithm;
   turn starts at either process. tests/user_specs/peterson.py is its translation (docs/writing-a-spec.md).
   TLC 2.20 (java -cp tla2tools.jar tlc2.TLC -workers 1 -coverage 1 Peterson): 26 distinct states,
   46 generated, depth 7; MutualExclusion and StarvationFree hold. Coverage (new:generated, without the
   cfg's PROPERTY line, whose check adds to it) a1 10:14,
   a2 7:14, a3 3:4, cs 4:6, a4 0:6 with Spec's own Next; with
     Next == (\E p \in Proc : a1(p)) \/ (\E p \in Proc : a2(p)) \/ (\E p \in Proc : a3(p))
             \/ (\E p \in Proc : cs(p)) \/ (\E p \in Proc : a4(p))
   (the order paxraft tries actions in) a1 8:14, a2 6:14, a3 4:4, cs 6:6, a4 0:6, as paxraft's. *)
EXTENDS Naturals
VARIABLES flag, turn, pc
vars == <<flag, turn, pc>>
Proc == {0, 1}
Other(p) == 1 - p

Init == /\ flag = [i \in Proc |-> FALSE]
        /\ turn \in Proc
        /\ pc = [i \in Proc |-> "a1"]

a1(p) == /\ pc[p] = "a1"
         /\ flag' = [flag EXCEPT ![p] = TRUE]
         /\ pc' = [pc EXCEPT ![p] = "a2"]
         /\ UNCHANGED turn
a2(p) == /\ pc[p] = "a2"
         /\ turn' = Other(p)
         /\ pc' = [pc EXCEPT ![p] = "a3"]
         /\ UNCHANGED flag
a3(p) == /\ pc[p] = "a3"
         /\ \/ flag[Other(p)] = FALSE
            \/ turn = p
         /\ pc' = [pc EXCEPT ![p] = "cs"]
         /\ UNCHANGED <<flag, turn>>
cs(p) == /\ pc[p] = "cs"
         /\ pc' = [pc EXCEPT ![p] = "a4"]
         /\ UNCHANGED <<flag, turn>>
a4(p) == /\ pc[p] = "a4"
         /\ flag' = [flag EXCEPT ![p] = FALSE]
         /\ pc' = [pc EXCEPT ![p] = "a1"]
         /\ UNCHANGED turn

proc(p) == a1(p) \/ a2(p) \/ a3(p) \/ cs(p) \/ a4(p)
Next == \E p \in Proc : proc(p)
Spec == Init /\ [][Next]_vars /\ \A p \in Proc : WF_vars(proc(p))

TypeOK == /\ flag \in [Proc -> BOOLEAN]
          /\ turn \in Proc
          /\ pc \in [Proc -> {"a1", "a2", "a3", "cs", "a4"}]
MutualExclusion == ~(pc[0] = "cs" /\ pc[1] = "cs")
StarvationFree == \A p \in Proc : (pc[p] = "a2") ~> (pc[p] = "cs")
====
