"""Write TheLog.tla: an EWD998Chan log (.ndjson) as a TLA+ sequence of records, in paxraft's causal order, so
that TLC can run EWD998ChanTraceLocal.tla (tlaplus/Examples' EWD998ChanTrace.tla with the log inlined: the
original reads it with Json, IOUtils and VectorClocks, which need CommunityModules' Java code).

    python tests/user_specs/ewd998/tla_log.py tests/data/EWD998ChanTrace.ndjson DIR/TheLog.tla
    cp tests/user_specs/ewd998/EWD998ChanTraceLocal.* DIR/   # beside EWD998Chan.tla and the modules it needs
    cd DIR && java -cp tla2tools.jar tlc2.TLC -workers 1 -config EWD998ChanTraceLocal.cfg EWD998ChanTraceLocal

Each record keeps its ``line`` in the .ndjson, so TLC's "Failed matching the trace" names it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ewd998_chan import EWD998ChanTrace  # noqa: E402 - beside this folder


def tla(value: Any) -> str:
    """A JSON value as a TLA+ expression (records without the vector clock; an empty one as [empty |-> TRUE])."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, dict):
        fields = [f"{k} |-> {tla(x)}" for k, x in value.items() if k != "vc"]
        return "[" + (", ".join(fields) or "empty |-> TRUE") + "]"
    raise TypeError(f"no TLA+ for {value!r}")


def main(log: str, out: str) -> None:
    events = EWD998ChanTrace.read([log])
    lines = ",\n    ".join(tla({"line": e.line, **e.extra}) for e in events)
    Path(out).write_text(f"---- MODULE TheLog ----\nEXTENDS Integers, Sequences\nLogN == {events[0].header['N']}\n"
                         f"LogLines == <<\n    {lines}\n  >>\n====\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
