"""Checkpoints of a breadth-first search: written whole, then swapped in by renames; checked before use.

``DIR/current`` is the last complete checkpoint: the workers' files and ``manifest.json``
(the run's identity, the coordinator's counters, and each file's size and CRC-32). A new
one is written to ``DIR/next`` and renamed over ``current`` only when complete, so a run
killed at any moment (kill -9 included) leaves a usable checkpoint. Resuming refuses a
checkpoint whose files were damaged or that belongs to another spec, bounds, options or
paxraft version, with one line saying which; ``max_states`` may differ (a stopping rule, not
part of the search), unless the checkpoint already holds that many states (:func:`check_cap`).

The store holds fingerprints, which are Python hashes, and a str's hash is salted per process
(PYTHONHASHSEED): a state holding strings resumed in another process got another fingerprint and was
counted again (1,199 states of 1,024). So the manifest records the seed (``paxraft check`` fixes one for a
run that checkpoints, and takes the recorded one again to resume), and :func:`check_hashing` refuses a
resume whose strings hash otherwise.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import shutil
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spec.core import Spec, SpecError
from spec.userfiles import quote

FORMAT = 2  # 2: the manifest carries its own checksum
PROBE = "paxraft: is this process's str hash the run's?"
"""A string whose hash tells whether two processes salt str hashes alike."""


class CheckpointError(SpecError):
    """A checkpoint that cannot be resumed (one line, exit status 2)."""


def _source_files(cls: type) -> list[str]:
    """The files that define the spec's class and every class it extends (but Spec and the standard library's):
    whole files, for a step's rule may sit in a mixin that is no Spec (Fast Paxos's Common) or in a function of
    the module; hashing each Spec class's own text missed both, and a resume ran the changed spec on, silently.
    And the modules a user's spec file imported from its folder (a helper's step size changed between the
    checkpoint and the resume: 523 states, a mix of two models, where either has 961 or 256)."""
    from spec.registry import user_module_sources

    out = sorted(path for _name, path, _text in user_module_sources(cls))
    for c in cls.__mro__:
        mod = sys.modules.get(c.__module__)
        path = getattr(mod, "__file__", None)
        if c is Spec or c is object or c.__module__.partition(".")[0] in sys.stdlib_module_names:
            continue
        if path is None:
            out.append(c.__qualname__)
        elif path not in out:
            out.append(path)
    return out


def spec_identity(spec: Spec) -> dict[str, Any]:
    """What must match for a checkpoint to continue a run: the spec, its bounds and its source."""
    digest = hashlib.sha256()
    for source in _source_files(type(spec)):
        try:
            digest.update(Path(source).read_bytes())
        except OSError:  # no file (a class made in memory): its name stands for it
            digest.update(source.encode())
    return {
        "spec": spec.name,
        "class": type(spec).__qualname__,
        "variant": spec.variant,
        "bounds": {k: v if isinstance(v, int | str | bool | None) else repr(v) for k, v in spec.bounds().items()},
        "without": list(spec.excluded),
        "restrict": list(spec.restricted),
        "source_sha256": digest.hexdigest()[:16],
    }


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _v

    try:
        return _v("paxraft")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _digest(manifest: dict[str, Any]) -> str:
    """The manifest's own checksum, over everything in it but this: its counters say where the run resumes (a
    total edited from 496 to -5 resumed to 837 states, 'No error found', of Paxos's 3,921)."""
    return hashlib.sha256(json.dumps({k: v for k, v in manifest.items() if k != "sha256"},
                                     sort_keys=True).encode()).hexdigest()


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return crc


def begin(root: Path) -> Path:
    """A fresh directory for the next checkpoint."""
    nxt = root / "next"
    shutil.rmtree(nxt, ignore_errors=True)
    nxt.mkdir(parents=True)
    return nxt


def commit(root: Path, files: list[str], manifest: dict[str, Any]) -> None:
    """Record the files' checksums in the manifest, then make ``next`` the current checkpoint."""
    nxt = root / "next"
    manifest = {
        **manifest,
        "format": FORMAT,
        "version": version(),
        "files": {f: {"bytes": (nxt / f).stat().st_size, "crc32": _crc(nxt / f)} for f in files},
    }
    manifest["sha256"] = _digest(manifest)
    (nxt / "manifest.json").write_text(json.dumps(manifest, indent=1))
    cur, old = root / "current", root / "previous"
    shutil.rmtree(old, ignore_errors=True)
    if cur.exists():
        cur.rename(old)
    nxt.rename(cur)
    shutil.rmtree(old, ignore_errors=True)


def load(root: Path) -> tuple[Path, dict[str, Any]]:
    """The checkpoint to resume from and its manifest, after checking every file's size and checksum."""
    where = next((d for d in (root / "current", root / "previous") if (d / "manifest.json").is_file()), None)
    if where is None:
        raise CheckpointError(
            f"{root}: no checkpoint here (expected {root}/current/manifest.json; a run writes its first at a "
            "level end after --checkpoint-every seconds, 60 by default, at a --max-states cut, or when interrupted "
            "(Ctrl-C, SIGTERM): one that ended sooner, at its end or a violation, left none)"
        )
    try:
        manifest = _read_manifest(where)
        files = manifest["files"]
        if not isinstance(files, dict) or not all(isinstance(w, dict) for w in files.values()):
            raise TypeError("files")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CheckpointError(f"{where}/manifest.json: damaged ({type(exc).__name__}); cannot resume") from None
    if manifest.get("format") == FORMAT and manifest.get("sha256") != _digest(manifest):
        raise CheckpointError(f"{where}/manifest.json: its checksum does not match its content (edited or "
                              "damaged); cannot resume")
    if manifest.get("format") != FORMAT or manifest.get("version") != version():
        raise CheckpointError(
            f"{where}: written by paxraft {manifest.get('version')} (format {manifest.get('format')}), "
            f"this is {version()} (format {FORMAT}); cannot resume"
        )
    wrong = _misshapen(manifest)
    if wrong:  # its checksum is no MAC: a hand edit with the sha256 made again reached .get on a list (exit 4)
        raise CheckpointError(f"{where}/manifest.json: damaged ({wrong}); cannot resume")
    for name, want in files.items():
        path = where / name
        if not path.is_file():
            raise CheckpointError(f"{path}: missing; the checkpoint is damaged")
        if path.stat().st_size != want.get("bytes") or _crc(path) != want.get("crc32"):
            raise CheckpointError(f"{path}: size or checksum differs from the manifest; the checkpoint is damaged")
    return where, manifest


#: The manifest's parts that a resume reads, with the type each must have; its coordinator's counters.
_SHAPE: dict[str, type | tuple[type, ...]] = {"identity": dict, "options": dict, "hashing": dict, "coordinator": dict}
_COUNTERS = ("init_generated", "total", "depth", "level_hi", "lo")


def _misshapen(manifest: Any) -> str | None:
    """What in a manifest is not of the shape :func:`commit` writes (None when all is): an object at the top,
    the parts of :data:`_SHAPE` objects, the coordinator's counters integers (not booleans) >= 0 and its
    seconds a number."""
    if not isinstance(manifest, dict):
        return f"a JSON {type(manifest).__name__}, not an object"
    for key, kind in _SHAPE.items():
        if not isinstance(manifest.get(key), kind):
            return f'"{key}" is not an object'
    c = manifest["coordinator"]
    for key in _COUNTERS:
        if not (type(c.get(key)) is int and c[key] >= 0):
            return f'"coordinator.{key}" is not an integer >= 0'
    if not c["lo"] <= c["level_hi"] <= c["total"]:  # (lo past level_hi ended the level at once: "No error found")
        return '"coordinator" counters out of order (lo <= level_hi <= total)'
    if type(c.get("seconds")) not in (int, float) or not math.isfinite(c["seconds"]):
        return '"coordinator.seconds" is not a number'
    stray = next((f for f in manifest["files"] if not _plain_name(f)), None)
    if stray is not None:  # (joined to the folder unchecked, "/etc/passwd" or "../x" was read for its size and CRC)
        return f'"files" names {quote(stray)}, not a file of the checkpoint\'s folder'
    return _cli_misshapen(manifest.get("cli"))


def _plain_name(name: str) -> bool:
    """Whether ``name`` is a file name in a folder: no path, no parent, not the folder itself."""
    return name not in ("", ".", "..") and "/" not in name and "\\" not in name and "\0" not in name


#: What ``cli`` (the run's options, which ``--resume DIR`` takes up) records, with the types each may have.
_CLI: dict[str, tuple[type, ...]] = {
    "spec": (str,), "variant": (str, type(None)), "without": (str, type(None)), "restrict": (str, type(None)),
    "symmetry": (bool,), "no_invariants": (bool,), "deadlock": (bool,), "max_states": (int, type(None)),
    "workers": (int,), "bounds": (dict,)}


def _cli_misshapen(cli: Any) -> str | None:
    """What in a manifest's ``cli`` is not of the shape ``check`` records (None when all is, or when there is none:
    the resume says so); each of them reached the resume as it was (a list, or bounds a string: exit 4)."""
    if cli is None:
        return None
    if not isinstance(cli, dict):
        return '"cli" is not an object'
    for key, kinds in _CLI.items():
        value = cli.get(key)
        if type(value) not in kinds or (type(value) is int and value < 1):
            return f'"cli.{key}" is not {" or ".join(_KIND_NAMES[k] for k in kinds)}'
    for name, value in cli["bounds"].items():
        if not name.isidentifier() or type(value) not in (int, str):
            return f'"cli.bounds" holds {quote(name)}: {type(value).__name__}, not a bound'
    return None


_KIND_NAMES = {str: "a string", type(None): "null", bool: "true or false", int: "an integer >= 1", dict: "an object"}


def check_cap(manifest: dict[str, Any], max_states: int | None) -> None:
    """Refuse a ``max_states`` the checkpoint has already passed (the run it continues would have stopped
    before): any other may differ from the one it was written with, as the search is the same up to the cut."""
    total = manifest.get("coordinator", {}).get("total", 0)
    if max_states is not None and total >= max_states:
        raise CheckpointError(f"the checkpoint holds {total:,} states already, --max-states {max_states:,} "
                              "stops before it; give more, or start afresh")


def check_matches(manifest: dict[str, Any], identity: dict[str, Any], options: dict[str, Any]) -> None:
    """Refuse a checkpoint of another spec, bounds or options."""
    theirs = manifest.get("identity", {})
    for key, mine in identity.items():
        if theirs.get(key) != mine:
            if key == "source_sha256":
                raise CheckpointError("the spec's source changed since the checkpoint was written (the file of its "
                                      "class, of a class it extends, or a module its file imports from its "
                                      "folder); cannot resume")
            raise CheckpointError(f"checkpoint is for {key} {theirs.get(key)!r}, this run has {mine!r}; cannot resume")
    for key, mine in options.items():
        if manifest.get("options", {}).get(key) != mine:
            raise CheckpointError(
                f"checkpoint was written with {key}={manifest.get('options', {}).get(key)!r}, "
                f"this run has {key}={mine!r}; cannot resume"
            )


def hashing() -> dict[str, Any]:
    """How this process hashes strings: its PYTHONHASHSEED (None when random) and the hash of :data:`PROBE`."""
    return {"seed": os.environ.get("PYTHONHASHSEED"), "probe": hash(PROBE)}


def recorded_seed(root: Path) -> str | None:
    """The PYTHONHASHSEED the checkpoint in ``root`` was written with, or None (none recorded, or unreadable:
    :func:`load` says why)."""
    for d in (root / "current", root / "previous"):
        try:
            seed = _read_manifest(d).get("hashing", {}).get("seed")
        except (OSError, ValueError, AttributeError, RecursionError):  # (a manifest nested 100,000 deep: a traceback)
            continue
        # one Python takes: an edited "99999999999" or "١٢" ended the restarted program in a "Fatal Python error"
        return seed if isinstance(seed, str) and seed.isascii() and seed.isdigit() and int(seed) <= MAX_SEED else None
    return None


#: The largest PYTHONHASHSEED Python starts with.
MAX_SEED = 4_294_967_295
#: The largest manifest read (it lists a few files per worker: a larger one is no manifest of ours).
MANIFEST_BYTES = 64 << 20


def _read_manifest(where: Path) -> Any:
    """``where/manifest.json`` as JSON, read at most :data:`MANIFEST_BYTES` (ValueError otherwise)."""
    with (where / "manifest.json").open("rb") as f:
        data = f.read(MANIFEST_BYTES + 1)
    if len(data) > MANIFEST_BYTES:
        raise ValueError(f"larger than {MANIFEST_BYTES:,} bytes")
    return json.loads(data)


def check_hashing(where: Path, manifest: dict[str, Any], sample_holds_salted: Callable[[], bool]) -> None:
    """Refuse to resume where strings hash otherwise than in the run that wrote the checkpoint and the model's
    states hold some (its first states, ``sample_holds_salted()``, or its frontier): their fingerprints would
    differ from the stored ones, so states seen before would be counted again."""
    from modelcheck.engine._fingerprint import holds_salted

    theirs = manifest.get("hashing", {}).get("probe")
    if theirs is None or theirs == hash(PROBE):
        return
    if not sample_holds_salted() and not any(holds_salted(s) for s in _frontier_states(where)):
        return
    seed = manifest["hashing"].get("seed")
    how = (f"resume with PYTHONHASHSEED={seed} set, as the run had" if seed is not None else
           "it was written with a random PYTHONHASHSEED, so no other process can resume it; start again with "
           "PYTHONHASHSEED set (paxraft check sets one itself)")
    raise CheckpointError(f"the checkpoint's states hold strings, whose hashes differ between processes unless "
                          f"PYTHONHASHSEED is the same, and this process's differ from the run's (resumed, it "
                          f"would count states seen before again): {how}")


def _frontier_states(where: Path) -> list[Any]:
    out: list[Any] = []
    for f in sorted(where.glob("worker-*-frontier.z")):
        (cur, nxt), _ = pickle.loads(zlib.decompress(f.read_bytes()))
        for states, _gids in [*cur, *nxt]:
            out.extend(states)
    return out
