"""A short scheduler slice for a node process (``"sched_slice_us"`` in cluster.json; 100 by default, 0: the kernel's).

Linux's EEVDF scheduler (6.6+) gives a waking task a deadline one slice ahead, and since 6.12 a
SCHED_OTHER task may ask for its own slice (``sched_setattr``'s ``sched_runtime``, 0.1-100 ms; the
kernel's default was 1.4 ms on the 2-vCPU machine measured). A node does little work per wake-up (tens
of microseconds) and a sequential write wakes the processes five times; on a machine whose CPUs are busy
with other programs, a node that wakes with the default slice may wait behind one of them for most of a
slice, while a node with a short slice gets an earlier deadline and so preempts it sooner. The CPU share
stays what fairness gives (shorter turns, not more time). Unprivileged; inherited by the threads and
processes started afterwards.
"""

from __future__ import annotations

import ctypes
import os
import struct

_SYSCALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}  # sched_setattr, sched_getattr
_ATTR = struct.Struct("=IIQiIQQQII")  # struct sched_attr, version 1 (56 bytes)


def _call(which: int, *args: object) -> None:
    """The syscall ``which`` of ``_SYSCALLS`` (0: sched_setattr, 1: sched_getattr) on this machine's numbers."""
    numbers = _SYSCALLS.get(os.uname().machine)
    if numbers is None:
        raise OSError(f"{('sched_setattr', 'sched_getattr')[which]}: no syscall number known for {os.uname().machine}")
    number = numbers[which]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, *args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def set_slice(us: int, pid: int = 0) -> bool:
    """Ask for a ``us``-microsecond slice for ``pid`` (0: this thread; 0 us: the kernel's default again), keeping
    its policy and nice value; False, untouched, when it runs at real-time priority (SCHED_FIFO, SCHED_RR:
    no slices there, and the call would make it an ordinary process). OSError when the kernel refuses."""
    policy = os.sched_getscheduler(pid)
    if policy not in (os.SCHED_OTHER, os.SCHED_BATCH, os.SCHED_IDLE):
        return False
    nice = os.getpriority(os.PRIO_PROCESS, pid)
    attr = _ATTR.pack(_ATTR.size, policy, 0, nice, 0, us * 1000, 0, 0, 0, 0)
    _call(0, pid, ctypes.create_string_buffer(attr, _ATTR.size), 0)
    return True


def get_slice(pid: int = 0) -> int:
    """The slice ``pid`` runs with, in microseconds (0 on a kernel before EEVDF's slices)."""
    buf = ctypes.create_string_buffer(_ATTR.size)
    _call(1, pid, buf, _ATTR.size, 0)
    return _ATTR.unpack(buf.raw)[5] // 1000
