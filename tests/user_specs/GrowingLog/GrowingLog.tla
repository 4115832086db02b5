--------------------------- MODULE GrowingLog ---------------------------
(* A leader (node 0) appends values, copies its log to followers, commits an index stored on a majority; the   *)
(* followers learn the commit index. A new leader adopts another node's log. Its action properties: a commit   *)
(* index never goes back, and a committed entry never changes. tests/user_specs/growing_log.py is this text.    *)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS N, V, L, UpToDate   \* nodes 0..N-1, values 1..V, logs of at most L entries; UpToDate: the new leader's rule

Node == 0..N-1
VARIABLES log, commit
vars == <<log, commit>>

Prefix(s, t) == Len(s) <= Len(t) /\ SubSeq(t, 1, Len(s)) = s

Init == log = [i \in Node |-> <<>>] /\ commit = [i \in Node |-> 0]

Write(v) == Len(log[0]) < L /\ log' = [log EXCEPT ![0] = Append(@, v)] /\ UNCHANGED commit

Replicate(i) == i # 0 /\ log[i] # log[0] /\ log' = [log EXCEPT ![i] = log[0]] /\ UNCHANGED commit

Stored(k) == {i \in Node : Len(log[i]) >= k /\ SubSeq(log[i], 1, k) = SubSeq(log[0], 1, k)}

Commit(k) == k > commit[0] /\ k <= Len(log[0]) /\ 2 * Cardinality(Stored(k)) > N
             /\ commit' = [commit EXCEPT ![0] = k] /\ UNCHANGED log

Learn(i) == i # 0 /\ commit[i] < commit[0] /\ Len(log[i]) >= commit[0] /\ Prefix(SubSeq(log[0], 1, commit[0]), log[i])
            /\ commit' = [commit EXCEPT ![i] = commit[0]] /\ UNCHANGED log

NewLeader(j) == j # 0 /\ log[j] # log[0] /\ (UpToDate => Prefix(SubSeq(log[0], 1, commit[0]), log[j]))
                /\ log' = [log EXCEPT ![0] = log[j]] /\ UNCHANGED commit

Next == \/ \E v \in 1..V : Write(v)
        \/ \E i \in Node : Replicate(i) \/ Learn(i) \/ NewLeader(i)
        \/ \E k \in 1..L : Commit(k)

Spec == Init /\ [][Next]_vars

CommitWithinLog == \A i \in Node : commit[i] <= Len(log[i])

CommitNeverDecreases == [][\A i \in Node : commit'[i] >= commit[i]]_vars
CommittedEntriesStay == [][\A i \in Node : Len(log'[i]) >= commit[i] /\ SubSeq(log'[i], 1, commit[i]) = SubSeq(log[i], 1, commit[i])]_vars
=============================================================================
