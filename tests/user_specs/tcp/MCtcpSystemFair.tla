---- MODULE MCtcpSystemFair ----
\* MCtcp without its second fairness condition, WF_vars(\E local, remote : CLOSE_SYN_SENT(local, remote)):
\* tcp.tla says a peer "would get stuck in SYN-SENT if we don't assert a user command".
EXTENDS MCtcp

SpecSystemFair == Init /\ [][Next]_vars /\ WF_vars(System)
====
