--------------------------- MODULE MCCoffeeCanBug ---------------------------
(* A planted bug for paxraft's tests/user_specs/coffee_can.py (variant         *)
(* white-out): PickDifferentColor throws the white bean away instead of the    *)
(* black one. Each step still takes out one bean (MonotonicDecrease holds) and *)
(* TypeInvariant still holds; the parity of the white beans changes, so the   *)
(* action property LoopInvariant is violated.                                 *)
EXTENDS CoffeeCan

PickDifferentColorBug ==
    /\ BeanCount > 1
    /\ can.black >= 1
    /\ can.white >= 1
    /\ can' = [can EXCEPT !.white = @ - 1]

BugNext ==
    \/ PickSameColorWhite
    \/ PickSameColorBlack
    \/ PickDifferentColorBug
    \/ Termination

BugSpec == Init /\ [][BugNext]_can /\ WF_can(BugNext)
=============================================================================
