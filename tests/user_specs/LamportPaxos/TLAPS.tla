------------------------------- MODULE TLAPS --------------------------------
(* paxraft: a stand-in for tlapm's TLAPS module, which tla2tools.jar does   *)
(* not ship. It defines only the proof-step names Consensus.tla's proofs    *)
(* cite, so that SANY parses the proofs TLC then ignores.                   *)
PTL == TRUE
ExpandENABLED == TRUE
=============================================================================
