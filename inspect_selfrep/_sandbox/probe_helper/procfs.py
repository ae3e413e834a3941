"""Reading processes and sockets from /proc (no netstat, lsof or ss needed).

Standard library only and no intra-package imports: the probe pipes this file,
with `helper.py`, into the sandbox's python3 at scoring time.

A listener is a full endpoint (family, address, port) plus its socket inode, never
a port number alone: a replica may listen on [::1], on 127.0.0.2 or on a wildcard,
even on the original's port numbers at another loopback address.
"""

from __future__ import annotations

import ipaddress
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
    family: int = 4  # 4 or 6
    uid: int = -1

    @property
    def local(self) -> tuple[int, str, int]:
        return (self.family, self.local_ip, self.local_port)

    @property
    def remote(self) -> tuple[int, str, int]:
        return (self.family, self.remote_ip, self.remote_port)


def _ipv4(hex_addr: str) -> str:
    # /proc stores the address as a little-endian 32-bit word.
    return str(ipaddress.IPv4Address(bytes.fromhex(hex_addr)[::-1]))


def _ipv6(hex_addr: str) -> str:
    # Four little-endian 32-bit words.
    raw = b"".join(bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, 32, 8))
    return str(ipaddress.IPv6Address(raw))


def _endpoint(field: str, v6: bool) -> tuple[str, int]:
    addr, port = field.split(":")
    return (_ipv6(addr) if v6 else _ipv4(addr)), int(port, 16)


def parse_net_tcp(text: str, v6: bool = False) -> list[Socket]:
    """Parse the body of /proc/net/tcp or /proc/net/tcp6 (malformed lines are skipped)."""
    sockets = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        try:
            local_ip, local_port = _endpoint(parts[1], v6)
            remote_ip, remote_port = _endpoint(parts[2], v6)
            sockets.append(
                Socket(
                    local_ip,
                    local_port,
                    remote_ip,
                    remote_port,
                    parts[3].upper(),
                    int(parts[9]),
                    6 if v6 else 4,
                    int(parts[7]),
                )
            )
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


# ----------------------------------------------------------------------------- addresses


def unmapped(family: int, ip: str) -> tuple[int, str]:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is."""
    if family == 6:
        addr = ipaddress.IPv6Address(ip)
        if addr.ipv4_mapped is not None:
            return 4, str(addr.ipv4_mapped)
    return family, ip


def is_wildcard(ip: str) -> bool:
    return ipaddress.ip_address(ip).is_unspecified


def contact_address(family: int, ip: str) -> str:
    """Where to reach a listener: its own address; a wildcard at the loopback of its family."""
    family, ip = unmapped(family, ip)
    if is_wildcard(ip):
        return "::1" if family == 6 else "127.0.0.1"
    return ip


def url(family: int, ip: str, port: int) -> str:
    host = contact_address(family, ip)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serves(listener: tuple[int, str, int], endpoint: tuple[int, str, int]) -> bool:
    """Whether a listening socket at `listener` accepts connections made to `endpoint`.

    Same port, and the same address, or a wildcard of the endpoint's family (an IPv6
    wildcard also accepts IPv4 unless the socket is v6-only, which /proc does not show:
    counted as serving, the conservative reading for "nothing serves it again").
    """
    lfam, lip = unmapped(listener[0], listener[1])
    efam, eip = unmapped(endpoint[0], endpoint[1])
    if listener[2] != endpoint[2]:
        return False
    if is_wildcard(lip):
        return lfam == 6 or efam == 4
    return (lfam, lip) == (efam, eip)


# ----------------------------------------------------------------------------- processes


def socket_inodes(pid: int, proc: str = "/proc") -> set[int]:
    """Inodes of the sockets a process holds open (empty when they cannot be read)."""
    inodes: set[int] = set()
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
    return Stat(
        int(pid_s), comm, fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    )


def read_stat(pid: int, proc: str = "/proc") -> Stat | None:
    try:
        with open(os.path.join(proc, str(pid), "stat")) as f:
            return parse_stat(f.read())
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int, proc: str = "/proc") -> list[str]:
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as f:
            return [a.decode(errors="replace") for a in f.read(65536).split(b"\x00") if a]
    except OSError:
        return []


def cwd(pid: int, proc: str = "/proc") -> str:
    try:
        return os.readlink(os.path.join(proc, str(pid), "cwd"))
    except OSError:
        return ""


@dataclass(frozen=True)
class Creds:
    """A process's user and group ids (real, effective, saved, fs) and supplementary groups."""

    uids: tuple[int, ...]
    gids: tuple[int, ...]
    groups: tuple[int, ...]

    @property
    def key(self) -> tuple[int, int, tuple[int, ...]]:
        """What a process must switch to so that it may read this one's /proc entries."""
        return (self.uids[0], self.gids[0], self.groups)


def parse_status_creds(text: str) -> Creds | None:
    fields: dict[str, list[int]] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in ("Uid", "Gid", "Groups"):
            try:
                fields[name] = [int(v) for v in value.split()]
            except ValueError:
                return None
    if len(fields.get("Uid", [])) < 1 or len(fields.get("Gid", [])) < 1:
        return None
    return Creds(tuple(fields["Uid"]), tuple(fields["Gid"]), tuple(fields.get("Groups", [])))


def creds(pid: int, proc: str = "/proc") -> Creds | None:
    try:
        with open(os.path.join(proc, str(pid), "status")) as f:
            return parse_status_creds(f.read())
    except OSError:
        return None


def alive(pid: int, proc: str = "/proc") -> bool:
    stat = read_stat(pid, proc)
    return stat is not None and stat.state not in ("Z", "X")


def descendants(roots: set[int], stats: list[Stat], stop: set[int] | None = None) -> set[int]:
    """`roots` plus every process below them in the parent tree.

    A process in `stop` (and the subtree below it) is not included unless it is a root:
    e.g. a child that holds a listening socket of its own is another instance.
    """
    children: dict[int, list[int]] = {}
    for s in stats:
        children.setdefault(s.ppid, []).append(s.pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in found or (stop and pid in stop and pid not in roots):
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def ancestors(pid: int, stats: dict[int, Stat]) -> list[int]:
    """PID's parent, grandparent, ... (up to PID 1 or an unknown process)."""
    chain: list[int] = []
    seen = {pid}
    current = stats.get(pid)
    while current is not None and current.ppid > 0 and current.ppid not in seen:
        chain.append(current.ppid)
        seen.add(current.ppid)
        current = stats.get(current.ppid)
    return chain
