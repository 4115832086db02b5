"""Z3 encodings of the specs: inductive-invariant proofs and bounded model checking."""
