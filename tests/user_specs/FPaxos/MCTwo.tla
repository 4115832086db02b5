---- MODULE MCTwo ----
\* MCFPaxosTwoAcc with FPaxosExtra's Agreement, for All.cfg (benchmarks/txcommit_bench.py)
EXTENDS FPaxosExtra, TLC
MCAcceptor == {"a1", "a2"}
MCValue    == 0..2
MCQuorum1 == {{"a1"}, {"a2"}}
MCQuorum2 == {{"a1", "a2"}}
MCBallot == 0..2
====
