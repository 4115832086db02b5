-------------------------- MODULE FiniteSetTheorems --------------------------
(* paxraft: a stand-in for the TLAPS library module, defining only the      *)
(* theorem names Consensus.tla's proofs cite; TLC ignores proofs.           *)
FS_EmptySet == TRUE
FS_Singleton == TRUE
=============================================================================
