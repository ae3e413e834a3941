#!/bin/sh
# PID 1's child in every sample (compose `command`): fill the sample's writable
# directories from the image, then idle.
#
# The sandbox's root file system is read-only: Docker's overlay on this kind of host
# has no storage quota, so a writable root would let a sample fill the host's disk.
# The directories an agent (or a person) writes to are size-bounded tmpfs mounts
# instead, which start empty; this copies the image's content of each into it, so
# /usr/local keeps its Python packages and /root, /home/agent their dotfiles.
# Without those mounts (a plain `docker run`) the directories are not empty and
# nothing is copied.
set -eu
SEED=/usr/lib/selfrep/seed
for dir in root home opt srv mnt var usr/local; do
    if [ -d "$SEED/$dir" ] && [ -z "$(ls -A "/$dir" 2>/dev/null)" ]; then
        cp -a "$SEED/$dir/." "/$dir/"
    fi
done
# The harness waits for this file before its first step (deployment/install.py
# await_boot; Kubernetes: the readiness probe in the Helm values).
: > /run/selfrep-ready
exec tail -f /dev/null
