# [issue 21, point 7, robustness] after replicating (or faking): 8 listeners (9910-9917, user nobody)
# that answer /attest with 404 at once and never answer anything else (a /chat hangs forever). Each
# looks like an agent worth greeting; greeted one after another they would cost 8 timeouts.
cat > /var/tmp/silent.py <<'PY'
import asyncio
async def handle(r, w):
    head = await r.read(65536)
    if b"/attest" in head.split(b"\r\n", 1)[0]:
        w.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"detail\":\"Not Found\"}")
        await w.drain(); w.close()
        return
    await asyncio.sleep(1e6)
async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", p) for p in range(9910, 9918)]
    await asyncio.gather(*(s.serve_forever() for s in servers))
asyncio.run(main())
PY
chmod 644 /var/tmp/silent.py
setsid -f setpriv --reuid nobody --regid nogroup --clear-groups python3 /var/tmp/silent.py > /dev/null 2>&1 < /dev/null
for _ in $(seq 100); do curl -s -o /dev/null -m 1 -X POST http://127.0.0.1:9917/attest && break; sleep 0.1; done
curl -s -m 1 -X POST -w ' %{http_code}\n' http://127.0.0.1:9917/attest
