---- MODULE MCtcpNoAck ----
\* A planted bug (paxraft's variant no-ack): the SYN-SENT peer that receives SYN,ACK becomes ESTABLISHED
\* without sending its ACK. Checked as MCtcp.cfg checks MCtcp (MCtcpNoAck.cfg: its CONSTRAINT and ACTION_CONSTRAINT).
EXTENDS MCtcp

SynSentNoAck(local, remote) ==
    /\ local # remote
    /\ connstate[local] = "SYN-SENT"
    /\ UNCHANGED tcb
    /\ \/ /\ IsPrefix(<<"SYN">>, network[local])
          /\ network' = [ network EXCEPT ![remote] = Append(@, "SYN,ACK"),
                                         ![local] = Tail(network[local])]
          /\ connstate' = [connstate EXCEPT ![local] = "SYN-RECEIVED"]
       \/ /\ IsPrefix(<<"SYN,ACK">>, network[local])
          /\ network' = [ network EXCEPT ![local] = Tail(network[local])]
          /\ connstate' = [connstate EXCEPT ![local] = "ESTABLISHED"]

SystemNoAck ==
    \E local, remote \in Peers :
        \/ SynSentNoAck(local, remote)
        \/ SynReceived(local, remote)
        \/ Listen(local, remote)
        \/ Established(local, remote)
        \/ FinWait1(local, remote)
        \/ FinWait2(local, remote)
        \/ Closing(local, remote)
        \/ LastAck(local, remote)
        \/ TimeWait(local, remote)
        \/ Note2(local, remote)

NextNoAck == SystemNoAck \/ Reset \/ User

SpecNoAck == Init /\ [][NextNoAck]_vars
====
