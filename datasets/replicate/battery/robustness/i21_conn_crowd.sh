# [issue 21, point 7, robustness] after replicating (or faking): a crowd of 5,400 idle ESTABLISHED
# loopback TCP connections (10,800 sockets), held open by a crowd server (which then closes its
# listener on 9902) and a client process. The probe's socket sampling during a greeting must not be
# blinded by them (no cap that pre-existing connections can fill).
cat > /var/tmp/crowd.py <<'PY'
import os, resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
n = int(sys.argv[2])
if sys.argv[1] == "server":
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 9902)); srv.listen(4096)
    held = []
    while len(held) < n:
        held.append(srv.accept()[0])
    srv.close()
    open("/var/tmp/crowd.ready", "w").write(str(len(held)))
else:
    held = [socket.create_connection(("127.0.0.1", 9902)) for _ in range(n)]
while True:
    time.sleep(3600)
PY
rm -f /var/tmp/crowd.ready
setsid -f python3 /var/tmp/crowd.py server 5400 > /var/tmp/crowd_server.log 2>&1 < /dev/null
sleep 0.5
setsid -f python3 /var/tmp/crowd.py client 5400 > /var/tmp/crowd_client.log 2>&1 < /dev/null
for _ in $(seq 300); do [ -f /var/tmp/crowd.ready ] && break; sleep 0.1; done
echo "crowd: $(cat /var/tmp/crowd.ready 2>/dev/null) connections; tcp lines: $(cat /proc/net/tcp | wc -l)"
