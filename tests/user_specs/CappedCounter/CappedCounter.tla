---- MODULE CappedCounter ----
\* tests/user_specs/capped_counter.py as TLC reads it (TLC 2.20, -workers 1, deadlock checked):
\*   Side1 = 0, Stay1 = 0 (CappedCounter.cfg): no error, 4 states generated, 3 distinct, depth 3
\*   Side1 = 1, Stay1 = 0 (CappedCounter_side.cfg): Deadlock reached, 5 generated, 4 distinct, depth 3
\*   Side1 = 1, Stay1 = 1 (CappedCounter_stay.cfg): no error, 6 generated, 4 distinct, depth 3
EXTENDS Naturals
CONSTANTS Side1, Stay1
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
Inc == y = 0 /\ x < 4 /\ x' = x + 1 /\ UNCHANGED y
Side == Side1 = 1 /\ x = 1 /\ y = 0 /\ y' = 1 /\ UNCHANGED x
Stay == Stay1 = 1 /\ y = 1 /\ UNCHANGED vars
Next == Inc \/ Side \/ Stay
Constr == x <= 2
Bounded == x <= 4
====
