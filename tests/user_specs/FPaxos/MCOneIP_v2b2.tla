---- MODULE MCOneIP_v2b2 ----
EXTENDS FPaxosIgnorePromise, TLC
MCAcceptor == {"a1"}
MCValue    == 0..1
MCQuorum1 == {{"a1"}}
MCQuorum2 == {{"a1"}}
MCBallot == 0..1
====
