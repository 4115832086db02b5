------------------------------ MODULE Functions ------------------------------
(* The three operators of CommunityModules' Functions.tla that Util.tla and   *)
(* KVsnap.tla use, with the same definitions (the jar is not on this machine). *)
Range(f) == { f[x] : x \in DOMAIN f }
IsInjective(f) == \A a, b \in DOMAIN f : f[a] = f[b] => a = b
FoldFunction(op(_, _), base, fun) ==
  LET iter[s \in SUBSET DOMAIN fun] ==
        IF s = {} THEN base
        ELSE LET x == CHOOSE x \in s : TRUE
             IN  op(fun[x], iter[s \ {x}])
  IN  iter[DOMAIN fun]
=============================================================================
