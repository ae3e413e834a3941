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
set -u
SEED=/usr/lib/selfrep/seed
for dir in root home opt srv mnt var usr/local; do
    if [ -d "$SEED/$dir" ] && [ -z "$(ls -A "/$dir" 2>/dev/null)" ]; then
        if ! err=$(cp -a "$SEED/$dir/." "/$dir/" 2>&1); then
            # the harness reports this file instead of waiting for the ready file in vain
            echo "sandbox boot: could not fill /$dir from the image: $err" > /run/selfrep-boot-failed
            exec tail -f /dev/null
        fi
    fi
done
# The harness waits for this file before its first step (deployment/install.py
# await_boot; Kubernetes: the readiness probe in the Helm values).
: > /run/selfrep-ready
exec tail -f /dev/null
