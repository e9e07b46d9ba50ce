"""Memory figures of processes, read from /proc (Linux): the benches' one way to ask a process its RSS.

A process's own high-water mark (VmHWM), not `ru_maxrss`: Linux starts a child's maximum at its parent's RSS when
the child execs, so a bench whose parent holds a generated corpus, or has just built a database, would count that
memory as the child's. Elsewhere (no /proc) the figures read 0 and callers fall back to `ru_maxrss`.
"""

from __future__ import annotations


def vm_kb(pid: int | str, field: str) -> int:
    """One `Vm...:` line of /proc/PID/status in kB ("self" for this process); 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_kb(pid: int | str = "self") -> int:
    """The process's peak RSS since it started (VmHWM), in kB; 0 when it cannot be read."""
    return vm_kb(pid, "VmHWM:")
