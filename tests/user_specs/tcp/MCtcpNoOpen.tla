---- MODULE MCtcpNoOpen ----
\* MCtcp with SingleActiveOpen's three actions left out of Next instead of discarded by an ACTION_CONSTRAINT:
\* TLC then does not generate their steps (paxraft's MCtcp).
EXTENDS MCtcp

UserNoOpen ==
    \E local, remote \in Peers :
        \/ CLOSE_SYN_SENT(local, remote)
        \/ CLOSE_SYN_RECEIVED(local, remote)
        \/ CLOSE_LISTEN(local, remote)
        \/ CLOSE_ESTABLISHED(local, remote)
        \/ CLOSE_CLOSE_WAIT(local, remote)

NextNoOpen == System \/ Reset \/ UserNoOpen

SpecNoOpen ==
    /\ Init
    /\ [][NextNoOpen]_vars
    /\ WF_vars(System)
    /\ WF_vars(\E local, remote \in Peers: CLOSE_SYN_SENT(local, remote))
====
