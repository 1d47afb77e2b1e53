"""Test stand-in for the cluster DNS (CoreDNS): answers A queries for the
names in a hosts file (re-read on every query), NXDOMAIN for others.
Usage: dns.py LISTEN_IP HOSTS_FILE"""
import socket
import struct
import sys

ip, hosts_file = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((ip, 53))
print("dns stand-in on %s:53" % ip, flush=True)


def table():
    out = {}
    with open(hosts_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                for name in parts[1:]:
                    out[name.lower().rstrip(".")] = parts[0]
    return out


while True:
    data, peer = sock.recvfrom(512)
    if len(data) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    pos, labels = 12, []
    while pos < len(data) and data[pos] != 0:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += n + 1
    qname = ".".join(labels).lower()
    qtype, _ = struct.unpack(">HH", data[pos + 1:pos + 5])
    question = data[12:pos + 5]
    address = table().get(qname)
    if address and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + socket.inet_aton(address)
        header = struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0)
        print("A %s -> %s" % (qname, address), flush=True)
    elif address:
        answer, header = b"", struct.pack(">HHHHHH", qid, 0x8180, 1, 0, 0, 0)
    else:
        answer, header = b"", struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0)
        print("NXDOMAIN %s" % qname, flush=True)
    sock.sendto(header + question + answer, peer)
