"""Test helper: gRPC calls with the platform's own generated stubs and
grpclib, from inside a network namespace.
  grpc_call.py get-clients HOST:PORT            the selector's registered clients (JSON)
  grpc_call.py probe HOST:PORT PATH MODULE_ID [CERT KEY [CA]]
      one call to PATH (an empty message: valid for every request type) with
      the proxy's routing header; prints "OK <reply>" or "ERROR <type> <message>"."""
import asyncio
import json
import ssl
import sys

from grpclib.client import Channel
from grpclib.const import Cardinality
from neursafe_fl.proto.message_pb2 import ClientRequirement, Metadata, Response
from neursafe_fl.proto.select_service_grpc import SelectServiceStub


async def get_clients(address):
    host, port = address.rsplit(":", 1)
    channel = Channel(host, int(port))
    try:
        reply = await asyncio.wait_for(SelectServiceStub(channel).GetClients(ClientRequirement()), 10)
        print(json.dumps([{"id": c.client.id, "address": c.address, "state": c.state}
                          for c in reply.client_list]))
    finally:
        channel.close()


async def probe(address, path, module_id, cert=None, key=None, ca=None):
    host, port = address.rsplit(":", 1)
    ctx = None
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_REQUIRED if ca else ssl.CERT_NONE
        if ca:
            ctx.load_verify_locations(ca)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["h2"])
    channel = Channel(host, int(port), ssl=ctx)
    try:
        method = channel.request(path, Cardinality.UNARY_UNARY, Metadata, Response,
                                 metadata={"module-id": module_id}, timeout=10)
        async with method as stream:
            await stream.send_message(Metadata(), end=True)
            reply = await stream.recv_message()
            print("OK", reply)
    except Exception as err:  # noqa: BLE001 - the error is the answer
        print("ERROR", type(err).__name__, err)
    finally:
        channel.close()


if __name__ == "__main__":
    try:
        if sys.argv[1] == "get-clients":
            asyncio.run(asyncio.wait_for(get_clients(sys.argv[2]), 15))
        else:
            asyncio.run(asyncio.wait_for(probe(*sys.argv[2:]), 15))
    except Exception as err:  # noqa: BLE001
        print("ERROR", type(err).__name__, err)
