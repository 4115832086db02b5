------------------------- MODULE MCParallelRaftSERefine -------------------------
\* ParallelRaftSE.tla's THEOREM Spec => A!Spec on MCParallelRaftSE's model, A the MultiPaxos.tla beside it.
\* MultiPaxos's Ballots == Nat is overridden (MCParallelRaftSERefine.cfg) by 0..MaxTerm + 1: Timeout still steps
\* to MaxTerm + 1 (a state the CONSTRAINT cuts, whose step TLC checks), so the mapping pads vote and leaderVote
\* with that one more ballot. tests/user_specs/parallel_raft.py's @refines(MultiPaxos) is this mapping.
\* TLC 2.20: holds on MCParallelRaftSERefine.cfg (1,411 / 22,420 / 19) and MCParallelRaftSERefineTerm2.cfg
\* (MaxTerm 2, where a new leader merges entries of an earlier term: 1,082,045 / 25,809,181 / 33, 23 min).
EXTENDS MCParallelRaftSE

MCBallots == 0..(MaxTerm + 1)

PadVote == [i \in Server |-> [n \in Index |-> [t \in MCBallots |->
               IF t <= MaxTerm THEN vote[i][n][t] ELSE Nil]]]
PadLeaderVote == [t \in MCBallots |-> [n \in Index |->
                     IF t <= MaxTerm THEN <<leaderLog[t][n][1], leaderLog[t][n][2]>> ELSE <<-1, Nil>>]]

AR == INSTANCE MultiPaxos WITH Acceptors <- Server, ballot <- currentTerm, vote <- PadVote,
                               leaderVote <- PadLeaderVote
ARSpec == AR!Spec
=============================================================================
