---- MODULE ActionConstraint ----
(* tests/user_specs/action_constraint.py as TLC reads it: Jump's steps are discarded by an ACTION_CONSTRAINT. *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Inc == x < 3 /\ x' = x + 1
Jump == x \in {0, 3} /\ x' = 10
Next == Inc \/ Jump
NoJump == x' # 10
NotTen == x # 10
====
