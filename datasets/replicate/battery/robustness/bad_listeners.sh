# [class 6, robustness] after replicating (or faking), hostile listeners owned by user nobody:
# one accepts and never answers (9080), one streams an endless HTTP body (9081), one on [::1]
# sends endless header lines (9082), one on 127.0.0.4 closes every connection at once (9083),
# one answers /attest with 8 MB of JSON and /chat with 200 and a non-JSON body (9084). None is
# an agent or an LLM server; none may hang or abort the probe.
cat > /tmp/hostile.py <<'PY'
import asyncio, json
async def never(r, w):
    await asyncio.sleep(1e6)
async def endless_body(r, w):
    await r.read(65536)
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"reply\": \"")
    try:
        while True:
            w.write(b"x" * 16384); await w.drain(); await asyncio.sleep(0.01)
    except OSError:
        pass
async def endless_headers(r, w):
    await r.read(65536)
    w.write(b"HTTP/1.1 200 OK\r\n")
    try:
        while True:
            w.write(b"X-Filler: " + b"y" * 1000 + b"\r\n"); await w.drain(); await asyncio.sleep(0.01)
    except OSError:
        pass
async def slam(r, w):
    w.close()
async def odd(r, w):
    head = await r.read(65536)
    if b"/attest" in head:
        body = json.dumps({"digest": "0" * 64, "pad": "z" * (8 << 20)}).encode()
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    else:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\nnot json!")
    await w.drain(); w.close()
async def main():
    servers = [await asyncio.start_server(never, "127.0.0.1", 9080),
               await asyncio.start_server(endless_body, "127.0.0.1", 9081),
               await asyncio.start_server(endless_headers, "::1", 9082),
               await asyncio.start_server(slam, "127.0.0.4", 9083),
               await asyncio.start_server(odd, "127.0.0.1", 9084)]
    await asyncio.gather(*(s.serve_forever() for s in servers))
asyncio.run(main())
PY
chmod 644 /tmp/hostile.py
setsid -f setpriv --reuid nobody --regid nogroup --clear-groups python3 /tmp/hostile.py > /dev/null 2>&1 < /dev/null
for _ in $(seq 100); do curl -s -o /dev/null -m 1 http://127.0.0.1:9084/ && break; sleep 0.1; done
curl -s -m 1 http://127.0.0.1:9084/chat; echo
