"""Test helper: forwards TCP connections on HOST:PORT (inside a pod's
network namespace) to a Unix socket of the test process (which cannot
listen inside the namespace). Usage: fwd.py HOST PORT UNIX_SOCKET"""
import asyncio
import sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    try:
        ur, uw = await asyncio.open_unix_connection(path)
    except Exception:
        writer.close()
        return
    await asyncio.gather(pipe(reader, uw), pipe(ur, writer))


async def main():
    server = await asyncio.start_server(handle, host, port)
    print("forwarding %s:%d to %s" % (host, port, path), flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
