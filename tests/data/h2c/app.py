"""ASGI app behind hypercorn for the `Upgrade: h2c` capture: answers every request with CORS
headers for the origin http://app.test:8100, a preflight with 204."""


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    while (await receive()).get("more_body"):
        pass
    headers = [
        (b"access-control-allow-origin", b"http://app.test:8100"),
        (b"vary", b"Origin"),
    ]
    if scope["method"] == "OPTIONS":
        headers.append((b"access-control-allow-methods", b"PUT"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b'{"path": "%s"}' % scope["path"].encode()
    headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
