------------------------- MODULE MCDisruptor_MPMC -------------------------
(* Disruptor_MPMC with its readers interchangeable: TLC's SYMMETRY.         *)
EXTENDS Disruptor_MPMC, TLC

ReaderSymmetry == Permutations(Readers)
=============================================================================
