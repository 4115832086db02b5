--------------------------- MODULE MCABCorrectness ---------------------------
(* ABCorrectness.cfg with SYMMETRY DataPerm added (tests/user_specs/alternating_bit.py:ABCorrectness --symmetry). *)
(* TLC 2.20: Data = {d1, d2}: 10 distinct, 22 generated, depth 3; {d1, d2, d3}: 10, 36, 3.                     *)
EXTENDS ABCorrectness, TLC
DataPerm == Permutations(Data)
=============================================================================
