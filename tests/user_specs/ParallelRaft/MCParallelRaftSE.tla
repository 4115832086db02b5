---------------------------- MODULE MCParallelRaftSE ----------------------------
\* A finite model of ParallelRaftSE.tla (HappyCS-Gu/Parallel-Raft-tla, commit 567f3ee, unmodified
\* beside this file). The spec's Term == Nat and Index == {0..6} are overridden in the .cfg by
\* MCTerm and MCIndex below, and terms above MaxTerm are cut by the CONSTRAINT (Timeout's guard is
\* `currentTerm[i] + 1 \in Nat`, so a server may still step to MaxTerm + 1; that state is counted
\* but not expanded). The spec's own Inv is its TypeInv, whose SUBSET logEntries TLC cannot
\* enumerate in time; the invariants checked are the ones below.
EXTENDS ParallelRaftSE

CONSTANTS MaxTerm, MaxIndex

MCTerm == 0..MaxTerm
MCIndex == 0..MaxIndex

TermBound == \A i \in Server : currentTerm[i] <= MaxTerm

\* Committed entries of two servers at one index hold the same value.
Consistency == \A i, j \in Server, n \in Index :
                  (log[i][n][3] /\ log[j][n][3]) => log[i][n][2] = log[j][n][2]

\* At most one server reaches LeaderCandidate (or Leader) in a term.
OneLeaderPerTerm == \A i, j \in Server :
                      (/\ currentState[i] \in {Leader, LeaderCandidate}
                       /\ currentState[j] \in {Leader, LeaderCandidate}
                       /\ currentTerm[i] = currentTerm[j]) => i = j
\* MCParallelRaftSESym.cfg: the servers are interchangeable.
Symm == Permutations(Server)

\* The variant own-term-vote (MCParallelRaftSEOwnTermVote.cfg overrides HandleRequestVoteRequest with this):
\* a server grants a vote request of its own term too, and stays what it was (it records no vote).
OwnTermVoteHandleRequestVoteRequest(i) ==
    /\ \E m \in r1amsgs :
        LET j == m[2]
            grant ==  m[1] >= currentTerm[i]
            entries == {<<n,log[i][n]>> : n \in Index}
        IN
          \/ /\ grant
             /\ \/ /\ m[1] > currentTerm[i]
                   /\ UpdateTerm(i,m[1])
                \/ /\ m[1] = currentTerm[i]
                   /\ UNCHANGED <<currentTerm,currentState>>
             /\ r1bmsgs' = r1bmsgs \cup {<<m[1],entries,i,j>>}
             /\ UNCHANGED negMsgs
          \/ /\ \neg grant
             /\ negMsgs' = negMsgs \cup {<<currentTerm[i],j>>}
             /\ UNCHANGED <<currentState,currentTerm,r1bmsgs>>
    /\ UNCHANGED <<log,r1amsgs,r2amsgs,r2bmsgs,r3amsgs,vote,leaderLog>>
=============================================================================
