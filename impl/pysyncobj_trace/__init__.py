"""PySyncObj (a third-party Raft) traced from outside its source, for ``paxraft audit --spec raft``."""
