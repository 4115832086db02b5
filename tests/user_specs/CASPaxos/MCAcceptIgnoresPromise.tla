---- MODULE MCAcceptIgnoresPromise ----
(* paxraft's variant accept-ignores-promise: an acceptor accepts any ballot, also one below the
   ballot it promised (AcceptRsp without m.bal \geq prepared[a]). *)
EXTENDS MCCASPaxos
AcceptRspAny(a) ==
    /\ \E m \in msgs :
        /\ m.type = "accept-req"
        /\ prepared' = [prepared EXCEPT ![a] = IF m.bal > prepared[a] THEN m.bal ELSE prepared[a]]
        /\ accepted' = [accepted EXCEPT ![a] = m.bal]
        /\ value'    = [value    EXCEPT ![a] = m.newVal]
        /\ Send([acc |-> a, type |-> "accept-rsp", accepted |-> m.bal])
NextAny == \/ \E b \in Ballot : \/ PrepareReq(b)
                                \/ \E v \in Values : AcceptReq(b, v)
           \/ \E a \in Acceptors : PrepareRsp(a) \/ AcceptRspAny(a)
SpecAny == Init /\ [][NextAny]_<<prepared, accepted, value, msgs>>
====
