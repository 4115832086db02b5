"""Reachable states of the explicit spec, seen through the conformance abstraction, as bit rows.

Every explored state is mapped to the proof model's relations by the same instance the
conformance check uses (``state_symbols``: the spec's variables as the encoding's relations).
For one template, each (state, assignment of its universal variables) is a row: the truth of
every atom (and existential disjunct) there. Rows are deduplicated, and each literal becomes
the bitset of distinct rows where it is false, so a clause holds on every sampled state exactly
when the AND of its literals' bitsets is zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from proofs.infer.language import EQ, Atom, Definition, Exists, Literal
from proofs.infer.templates import Template

CHUNK_ROWS = 2_000_000  # (state, assignment) rows evaluated at once: bounds the memory used


@dataclass
class Samples:
    """Explored states as relation tables over domain indices (rigid relations have one shared row)."""

    domains: Mapping[str, Sequence[Any]]  # sort -> the instance's elements
    constants: Mapping[str, int]  # constant -> index in its sort's domain
    tables: Mapping[str, np.ndarray]  # relation -> bool array (states or 1, *argument domains)
    count: int


def tabulate(
    states: Sequence[Any],
    domains: Mapping[str, Sequence[Any]],
    constants: Mapping[str, tuple[str, Any]],
    relations: Mapping[str, tuple[str, ...]],
    state_relations: Iterable[str],
    fixed: Mapping[str, Callable[..., bool]],
    symbols: Callable[[Any], Mapping[str, Callable[..., bool]]],
    derived: Mapping[str, Definition] | None = None,
) -> Samples:
    """Tabulate each relation on each state (``symbols(state)``) and each rigid relation once (``fixed``).

    ``constants`` maps a constant to its sort and its element (``NoBal`` -> ``("Bal", -1)``); a
    ``derived`` relation is computed from the others' tables by its definition.
    """
    dyn = set(state_relations)
    derived = derived or {}
    tables: dict[str, np.ndarray] = {}
    per_state = [symbols(s) for s in states] if dyn - set(derived) else []
    for rel, sorts in relations.items():
        if rel in derived:
            continue
        doms = [domains[s] for s in sorts]
        shape = tuple(len(d) for d in doms)
        points = list(itertools.product(*doms))
        if rel in dyn:
            arr = np.zeros((len(states), *shape), dtype=bool)
            flat = arr.reshape(len(states), -1)
            for i, preds in enumerate(per_state):
                pred = preds[rel]
                flat[i] = [pred(*p) for p in points]
        else:
            arr = np.array([fixed[rel](*p) for p in points], dtype=bool).reshape((1, *shape))
        tables[rel] = arr
    consts = {c: list(domains[sort]).index(v) for c, (sort, v) in constants.items()}
    out = Samples(domains, consts, tables, len(states))
    for rel, d in derived.items():
        names = [v for v, _ in d.params + d.exists]
        dims = [len(domains[srt]) for _, srt in d.params + d.exists]
        acc = np.ones((len(states), *dims), dtype=bool)
        for lit in d.lits:
            val = _eval(out, lit.atom, names, dims, 0, len(states))
            acc &= val if lit.positive else ~val
        tables[rel] = acc.any(axis=tuple(range(1 + len(d.params), acc.ndim))) if d.exists else acc  # type: ignore[assignment]
    return out


@dataclass
class Rows:
    """The distinct rows of one template over the samples, and each literal's bitset of falsifying rows."""

    count: int
    false_of: dict[Literal, int]  # universal literal -> rows where it is false
    exists_false: dict[Exists, int]  # existential disjunct -> rows where it is false


def rows(all_samples: Sequence[Samples], tpl: Template, atoms: Sequence[Atom], exists: Sequence[Exists]) -> Rows:
    """Evaluate every atom and existential on every (state, assignment) and keep the distinct rows."""
    columns = len(atoms) + len(exists)
    keys = []
    for samples in all_samples:
        keys += _keys(samples, tpl, atoms, exists)
    distinct = np.unique(np.concatenate(keys)) if keys else np.array([])
    width = (columns + 7) // 8
    bits = np.unpackbits(distinct.view(np.uint8).reshape(-1, width), axis=1)[:, :columns].astype(bool)
    false_of: dict[Literal, int] = {}
    for j, atom in enumerate(atoms):
        col = bits[:, j]
        false_of[Literal(atom, True)] = _bitset(~col)
        false_of[Literal(atom, False)] = _bitset(col)
    exists_false = {ex: _bitset(~bits[:, len(atoms) + j]) for j, ex in enumerate(exists)}
    return Rows(len(distinct), false_of, exists_false)


def _keys(samples: Samples, tpl: Template, atoms: Sequence[Atom], exists: Sequence[Exists]) -> list[np.ndarray]:
    """The distinct packed rows of one instance's samples, chunk by chunk."""
    uvars = [v for v, _ in tpl.universal]
    dims = [len(samples.domains[s]) for _, s in tpl.universal]
    grid = int(np.prod(dims, dtype=object)) if dims else 1
    ydim = len(samples.domains[tpl.exists[1]]) if tpl.exists else 0
    if grid * max(1, ydim) > CHUNK_ROWS:  # (one state's rows alone: a 39-variable template was 'out of memory: the
        # model is too large for this machine (lower its bounds)')
        from spec.core import SpecError
        from spec.userfiles import clip

        raise SpecError(f"a template of {len(dims) + bool(ydim)} variables: {grid * max(1, ydim):,} assignments of "
                        f"them in one sample state, more than the {CHUNK_ROWS:,} rows infer evaluates at once: give it "
                        f"fewer variables ({clip(tpl.describe(), 80)})")
    per_chunk = max(1, CHUNK_ROWS // max(1, grid * max(1, ydim)))
    columns = len(atoms) + len(exists)
    keys = []
    for start in range(0, samples.count, per_chunk):
        stop = min(samples.count, start + per_chunk)
        mat = np.empty((stop - start, grid, columns), dtype=bool)
        for j, atom in enumerate(atoms):
            mat[:, :, j] = _eval(samples, atom, uvars, dims, start, stop).reshape(stop - start, grid)
        for j, ex in enumerate(exists):
            mat[:, :, len(atoms) + j] = _eval_exists(samples, ex, uvars, dims, start, stop).reshape(stop - start, grid)
        packed = np.packbits(mat.reshape(-1, columns), axis=1)
        keys.append(np.unique(_as_void(packed)))
    return keys


def _as_void(packed: np.ndarray) -> np.ndarray:
    packed = np.ascontiguousarray(packed)
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def _bitset(col: np.ndarray) -> int:
    return int.from_bytes(np.packbits(col, bitorder="little").tobytes(), "little")


def _index(samples: Samples, name: str, uvars: list[str], dims: list[int]) -> Any:
    """An index array laying variable ``name`` along its grid axis, or a constant's index."""
    if name in samples.constants:
        return samples.constants[name]
    axis = uvars.index(name)
    shape = [1] * len(dims)
    shape[axis] = dims[axis]
    return np.arange(dims[axis]).reshape(shape)


def _eval(samples: Samples, atom: Atom, uvars: list[str], dims: list[int], start: int, stop: int) -> np.ndarray:
    """The atom on states start..stop and every assignment: a bool array broadcast to (states, *dims)."""
    idx = [_index(samples, a, uvars, dims) for a in atom.args]
    full = (stop - start, *dims)
    if atom.rel == EQ:
        val = np.asarray(idx[0] == idx[1])
        return np.broadcast_to(val.reshape((1,) * (len(full) - val.ndim) + val.shape), full)
    tab = samples.tables[atom.rel]
    tab = tab[start:stop] if tab.shape[0] > 1 else tab
    out = tab[(slice(None), *idx)]
    return np.broadcast_to(out.reshape(out.shape[:1] + (1,) * (len(full) - out.ndim) + out.shape[1:]), full)


def _eval_exists(samples: Samples, ex: Exists, uvars: list[str], dims: list[int], start: int, stop: int) -> np.ndarray:
    """``exists y. l1 & ...`` on states start..stop and every assignment."""
    ydim = len(samples.domains[ex.sort])
    allv = uvars + [ex.var]
    alld = dims + [ydim]
    acc = None
    for lit in ex.lits:
        val = _eval(samples, lit.atom, allv, alld, start, stop)
        val = val if lit.positive else ~val
        acc = val if acc is None else acc & val
    assert acc is not None
    return acc.any(axis=-1)  # type: ignore[return-value]  # (an axis given: an array)
