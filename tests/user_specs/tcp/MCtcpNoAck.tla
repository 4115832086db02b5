---- MODULE MCtcpNoAck ----
\* A planted bug (paxraft's variant no-ack): the SYN-SENT peer that receives SYN,ACK becomes ESTABLISHED
\* without sending its ACK. Next as MCtcpNoOpen's: SingleActiveOpen's three actions left out.
EXTENDS MCtcpNoOpen

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

NextNoAck == SystemNoAck \/ Reset \/ UserNoOpen

SpecNoAck == Init /\ [][NextNoAck]_vars
====
