---- MODULE MCThreeQ2_v2b2 ----
EXTENDS FPaxosPhase1WithQ2, TLC
MCAcceptor == {"a1", "a2", "a3"}
MCValue    == 0..1
MCQuorum1 == {{"a1", "a2"}, {"a1", "a3"}, {"a2", "a3"}}
MCQuorum2 == {{"a1", "a2"}, {"a1", "a3"}, {"a2", "a3"}}
MCBallot == 0..1
====
