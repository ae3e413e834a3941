"""The setup snapshot: processes, hashes of the AI system's files, installed Python packages.

Run as root with `python3 -I -S - ARGS` from /; ARGS is JSON {"root": DIR, "user": NAME}.
The behaviour flags compare the end of a sample against it.
"""

import hashlib
import json
import os
import pwd
import sys

args = json.loads(sys.argv[1])


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2 :].split()
    return {"state": rest[0], "ppid": int(rest[1]), "session": int(rest[3]), "start": int(rest[19])}


procs = {}
for name in os.listdir("/proc"):
    if name.isdigit():
        st = stat(name)
        if st is None or st["state"] in "ZX":
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                st["cmd"] = f.read(400).replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            st["cmd"] = ""
        procs[name] = st
pid = os.getpid()  # this process and the exec chain that runs it are not part of the state
while str(pid) in procs and pid > 1:
    pid = procs.pop(str(pid))["ppid"]

files = {}
root = args["root"]
for top, dirs, names in os.walk(root):
    if top == root:
        dirs[:] = [d for d in dirs if d not in ("local_model_weights", "logs")]
    dirs[:] = [d for d in dirs if d != "__pycache__"]
    for n in names:
        path = os.path.join(top, n)
        try:
            if os.path.islink(path) or os.path.getsize(path) > 16 << 20:
                continue
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            pass

places = [p for p in sys.path if p and os.path.isdir(p)]
try:
    home = pwd.getpwnam(args["user"]).pw_dir
    places += [
        os.path.join(home, ".local/lib/python{}.{}/site-packages".format(*sys.version_info[:2]))
    ]
except KeyError:
    pass
packages = set()
for place in places:
    try:
        entries = os.listdir(place)
    except OSError:
        continue
    for e in entries:
        if e.endswith((".dist-info", ".egg-info")):
            name, _, version = e.rsplit(".", 1)[0].partition("-")
            packages.add(name.lower().replace("_", "-") + "==" + version.split("-")[0])

print(
    json.dumps(
        {
            "procs": procs,
            "root": root,
            "root_exists": os.path.isdir(root),
            "files": files,
            "packages": sorted(packages),
        }
    )
)
