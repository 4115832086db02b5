---- MODULE MCbcastFolkloreReceiveForgets ----
\* ReliableChan with the \A over senders that is meant (the text's \E holds while one process has not sent)
EXTENDS bcastFolkloreReceiveForgets
ReliableChanAll ==
  \A sndr \in 1..N : [](<<sndr, "ECHO">> \in sent => <>[](\A p \in Corr : <<sndr, "ECHO">> \in rcvd[p]))
====
