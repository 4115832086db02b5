------------------------- MODULE MCDisruptor_SPMC -------------------------
(* Disruptor_SPMC with its readers interchangeable: TLC's SYMMETRY.         *)
EXTENDS Disruptor_SPMC, TLC

ReaderSymmetry == Permutations(Readers)
=============================================================================
