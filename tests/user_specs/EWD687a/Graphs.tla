---- MODULE Graphs ----
\* Just the operators EWD687a's TreeWithRoot uses (CommunityModules' Graphs defines the same ones);
\* paths are bounded by the number of nodes so that TLC can enumerate them.
LOCAL INSTANCE Naturals
LOCAL INSTANCE FiniteSets
IsDirectedGraph(G) ==
   /\ G = [node |-> G.node, edge |-> G.edge]
   /\ G.edge \subseteq (G.node \X G.node)
Transpose(G) == [edge |-> {<<e[2], e[1]>> : e \in G.edge}, node |-> G.node]
SimplePath(G) ==
   {p \in UNION {[1..m -> G.node] : m \in 1..Cardinality(G.node)} :
      /\ Cardinality({p[i] : i \in DOMAIN p}) = Cardinality(DOMAIN p)
      /\ \A i \in 1..(Cardinality(DOMAIN p) - 1) : <<p[i], p[i+1]>> \in G.edge}
AreConnectedIn(m, n, G) ==
   \E p \in SimplePath(G) : p[1] = m /\ p[Cardinality(DOMAIN p)] = n
IsTreeWithRoot(G, r) ==
  /\ IsDirectedGraph(G)
  /\ \A e \in G.edge : /\ e[1] # r
                       /\ \A f \in G.edge : (e[1] = f[1]) => (e = f)
  /\ \A n \in G.node : AreConnectedIn(n, r, G)
====
