---------------------------- MODULE MCABVariants ----------------------------
(* The planted bugs and the weakened fairness of tests/user_specs/alternating_bit.py, as TLC checks them. *)
(* AlternatingBit.tla, ABCorrectness.tla, MCAlternatingBit.tla and its .cfg are tlaplus/Examples' own,    *)
(* specifications/SpecifyingSystems/TLC, copied unchanged.                                                *)
(* Each run: java -cp tla2tools.jar tlc2.TLC -workers 1 -config X.cfg MCABVariants, X.cfg giving           *)
(*   CONSTANT Data = {d1, d2}  msgQLen = 2  ackQLen = 2   SPECIFICATION S   INVARIANT ABTypeInv             *)
(*   CONSTRAINT SeqConstraint   PROPERTIES P ...                                                          *)
(* TLC 2.20's results (tests/test_user_alternating_bit.py asserts paxraft's equal):                        *)
(*   ABSpec, PROPERTIES ABCSpec SentLeadsToRcvd RcvMsgLeadsTo RcvAckLeadsTo: all hold;                      *)
(*     distinct/generated/depth (|Data|, msgQLen, ackQLen): (1,1,1) 28/118/7, (2,2,2) 240/1,392/10,         *)
(*     (3,2,2) 468/2,778/10, (2,3,3) 528/3,740/12, (2,3,1) 232/1,340/10, (2,2,0) 44/164/5                   *)
(*   SpecFlip, no PROPERTIES: ABTypeInv violated at state 2 (SndNewValueAdd(d1)); 5/5/2 with Data = {d1}, *)
(*     17/21/2 with {d1, d2}                                                                               *)
(*   SpecNoWait, PROPERTIES ABCSpec: action property [ABCNext]_cvars violated at state 3 (two sends)       *)
(*   SpecNoResend, PROPERTIES SentLeadsToRcvd: violated (4-step prefix, loop SndAck, RcvAck); holds with    *)
(*     ackQLen = 0 (WF(SndAck) is enabled, every SndAck step leaves the constraint, so no fair behaviour)  *)
(*   SpecWeakRcvMsg, PROPERTIES SentLeadsToRcvd: violated (the message lost each time it is resent)         *)
(*   SpecReceiptOnlyFair, ackQLen = 0, PROPERTIES SentLeadsToRcvd: violated (SndNewValue, LoseMsg, stutter) *)
(*   ABSpec, SYMMETRY DataPerm: (2,2,2) 120/700/10, (3,2,2) 120/734/10, (2,3,3) 264/1,874/12                  *)
(*   ABSpec, no PROPERTIES, (10,12,12): 263,380/4,730,920/30 (29 s)                                           *)
EXTENDS MCAlternatingBit, TLC

DataPerm == Permutations(Data)  \* MCAlternatingBit.cfg's commented-out SYMMETRY DataPerm

\* flip-by-adding: the sender "flips" its bit by adding one (breaks ABTypeInv).
SndNewValueAdd(d) ==
  /\ sAck = sBit
  /\ sent' = d
  /\ sBit' = sBit + 1
  /\ msgQ' = Append(msgQ, <<sBit', d>>)
  /\ UNCHANGED <<ackQ, sAck, rBit, rcvd>>

NextFlip == \/ \E d \in Data : SndNewValueAdd(d)
            \/ ReSndMsg \/ RcvMsg \/ SndAck \/ RcvAck \/ LoseMsg \/ LoseAck
SpecFlip == ABInit /\ [][NextFlip]_abvars

\* no-ack-wait: the sender sends a new value without waiting for the acknowledgement (breaks ABCSpec).
SndNewValueNoWait(d) ==
  /\ sent' = d
  /\ sBit' = 1 - sBit
  /\ msgQ' = Append(msgQ, <<sBit', d>>)
  /\ UNCHANGED <<ackQ, sAck, rBit, rcvd>>

NextNoWait == \/ \E d \in Data : SndNewValueNoWait(d)
              \/ ReSndMsg \/ RcvMsg \/ SndAck \/ RcvAck \/ LoseMsg \/ LoseAck
SpecNoWait == ABInit /\ [][NextNoWait]_abvars /\ ABFairness

\* Liveness with one fairness condition of ABFairness dropped or weakened.
SpecNoResend == ABInit /\ [][ABNext]_abvars /\ WF_abvars(SndAck) /\ SF_abvars(RcvMsg) /\ SF_abvars(RcvAck)
SpecWeakRcvMsg == ABInit /\ [][ABNext]_abvars
                  /\ WF_abvars(ReSndMsg) /\ WF_abvars(SndAck) /\ WF_abvars(RcvMsg) /\ SF_abvars(RcvAck)

SpecReceiptOnlyFair == ABInit /\ [][ABNext]_abvars /\ SF_abvars(RcvMsg) /\ SF_abvars(RcvAck)

\* A refinement bug only on steps into states the constraint cuts: SndAck onto a full ackQ flips rBit too.
\* TLC checks ABCSpec's action part on those steps: violated at state 4 (three SndAckEdge), as paxraft refine.
SndAckEdge == IF Len(ackQ) >= ackQLen
              THEN /\ ackQ' = Append(ackQ, rBit) /\ rBit' = 1 - rBit /\ UNCHANGED <<msgQ, sBit, sAck, sent, rcvd>>
              ELSE SndAck
NextEdge == \/ \E d \in Data : SndNewValue(d)
            \/ ReSndMsg \/ RcvMsg \/ SndAckEdge \/ RcvAck \/ LoseMsg \/ LoseAck
SpecEdge == ABInit /\ [][NextEdge]_abvars

\* ABCSpec's fairness, as stated for the protocol in alternating_bit.py (ABCFairness_CRcvMsg, _CRcvAck).
RcvMsgLeadsTo == (rBit # sBit) ~> (rBit = sBit)
RcvAckLeadsTo == (rBit # sAck) ~> (rBit = sAck)
=============================================================================
