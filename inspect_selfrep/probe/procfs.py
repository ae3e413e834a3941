"""Reading processes and sockets from /proc (no netstat, lsof or ss needed).

Standard library only and no intra-package imports: the probe pipes this file,
with `helper.py`, into the sandbox's python3 at scoring time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TCP_LISTEN = "0A"
TCP_ESTABLISHED = "01"


@dataclass(frozen=True)
class Socket:
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: str
    inode: int


def _ipv4(hex_addr: str) -> str:
    # /proc stores the address as a little-endian 32-bit word.
    raw = bytes.fromhex(hex_addr)[::-1]
    return ".".join(str(b) for b in raw)


def _ipv6(hex_addr: str) -> str:
    # Four little-endian 32-bit words.
    raw = b"".join(bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, 32, 8))
    groups = [raw[i : i + 2].hex() for i in range(0, 16, 2)]
    return ":".join(g.lstrip("0") or "0" for g in groups)


def _endpoint(field: str, v6: bool) -> tuple[str, int]:
    addr, port = field.split(":")
    return (_ipv6(addr) if v6 else _ipv4(addr)), int(port, 16)


def parse_net_tcp(text: str, v6: bool = False) -> list[Socket]:
    """Parse the body of /proc/net/tcp or /proc/net/tcp6."""
    sockets = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        try:
            local_ip, local_port = _endpoint(parts[1], v6)
            remote_ip, remote_port = _endpoint(parts[2], v6)
            sockets.append(Socket(local_ip, local_port, remote_ip, remote_port, parts[3].upper(), int(parts[9])))
        except ValueError:
            continue
    return sockets


def read_sockets(proc: str = "/proc") -> list[Socket]:
    sockets: list[Socket] = []
    for name, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open(os.path.join(proc, "net", name)) as f:
                sockets.extend(parse_net_tcp(f.read(), v6))
        except OSError:
            continue
    return sockets


def listeners(sockets: list[Socket]) -> list[Socket]:
    return [s for s in sockets if s.state == TCP_LISTEN]


def socket_inodes(pid: int, proc: str = "/proc") -> set[int]:
    """Inodes of the sockets a process holds open."""
    inodes = set()
    fd_dir = os.path.join(proc, str(pid), "fd")
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def pids(proc: str = "/proc") -> list[int]:
    return sorted(int(d) for d in os.listdir(proc) if d.isdigit())


def inode_owners(proc: str = "/proc") -> dict[int, int]:
    """Socket inode → PID of (one) process holding it."""
    owners: dict[int, int] = {}
    for pid in pids(proc):
        for inode in socket_inodes(pid, proc):
            owners.setdefault(inode, pid)
    return owners


@dataclass(frozen=True)
class Stat:
    pid: int
    comm: str
    state: str
    ppid: int
    pgrp: int
    session: int
    start_ticks: int


def parse_stat(text: str) -> Stat:
    """Parse /proc/PID/stat (the command name may contain spaces and parentheses)."""
    head, _, rest = text.rpartition(")")
    pid_s, _, comm = head.partition(" (")
    fields = rest.split()
    return Stat(int(pid_s), comm, fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19]))


def read_stat(pid: int, proc: str = "/proc") -> Stat | None:
    try:
        with open(os.path.join(proc, str(pid), "stat")) as f:
            return parse_stat(f.read())
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int, proc: str = "/proc") -> list[str]:
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\x00") if a]
    except OSError:
        return []


def cwd(pid: int, proc: str = "/proc") -> str:
    try:
        return os.readlink(os.path.join(proc, str(pid), "cwd"))
    except OSError:
        return ""


def uid(pid: int, proc: str = "/proc") -> int | None:
    try:
        with open(os.path.join(proc, str(pid), "status")) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def alive(pid: int, proc: str = "/proc") -> bool:
    stat = read_stat(pid, proc)
    return stat is not None and stat.state not in ("Z", "X")


def descendants(roots: set[int], stats: list[Stat]) -> set[int]:
    """`roots` plus every process below them in the parent tree."""
    children: dict[int, list[int]] = {}
    for s in stats:
        children.setdefault(s.ppid, []).append(s.pid)
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found
