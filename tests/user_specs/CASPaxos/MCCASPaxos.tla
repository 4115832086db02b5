---- MODULE MCCASPaxos ----
(* The model of CASPaxos.toolbox/Model_1 (tschottdorf/caspaxos-tla), with its constants as
   parameters: Ballot (= Nat) is 0..MaxBallot and Mutator(b, v) is (1 + b*v) % |Values|
   (Model_1: three acceptors, Values {0, 1, 2, 3}, Nat 0..3, (1 + b*v) % 4).
   BasedOnLatestCommit is paxraft's: what MutationsLineUp should have said. *)
EXTENDS CASPaxos, TLC
CONSTANT MaxBallot
MCNat == 0..MaxBallot
MCMutator(b, v) == (1 + b * v) % Cardinality(Values)

(* Each committed ballot b > 0 wrote Mutator(b, v) for a value v written at a ballot c < b that
   is no older than the latest ballot committed below b: no committed write is lost, though the
   base may be a write that was never committed (which MutationsLineUp forgets). *)
BasedOnLatestCommit ==
    \A b \in CommittedBallots \ {0} :
        \E c \in Ballot :
            /\ c < b
            /\ c >= BallotCommittedBefore(b)
            /\ \E v \in ValuesAt(c) : UnwrapSingleton(ValuesAt(b)) = Mutator(b, v)

Symmetry == Permutations(Acceptors)

(* paxraft's liveness: under weak fairness of Next some ballot above 0 is committed; without fairness for
   AcceptReq (a proposer holding a quorum's promises may never send its accept request) it is not. *)
Progress == <>(\E b \in CommittedBallots : b > 0)
LiveSpec == Spec /\ WF_<<prepared, accepted, value, msgs>>(Next)
NoAcceptReq == \/ \E b \in Ballot : PrepareReq(b)
               \/ \E a \in Acceptors : PrepareRsp(a) \/ AcceptRsp(a)
LazySpec == Spec /\ WF_<<prepared, accepted, value, msgs>>(NoAcceptReq)
(* paxraft's refinement mapping (caspaxos.py's as_register): the accept requests' writes and the committed
   ballots refine CASRegister. *)
CR == INSTANCE CASRegister WITH
        Ballots <- Ballot,
        written <- {<<0, InitialValue>>} \cup {<<m.bal, m.newVal>> : m \in {mm \in msgs : mm.type = "accept-req"}},
        committed <- CommittedBallots
CRSpec == CR!Spec
====
