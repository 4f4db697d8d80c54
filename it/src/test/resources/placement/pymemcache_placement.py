"""Asks pymemcache's HashClient where keys go, for PymemcachePlacementIT. Standard input:
    servers HOST:PORT ...   a fresh HashClient over these (host, port) servers
    keys N                  then N hex-encoded UTF-8 keys; prints the index of each key's server
No server is contacted: HashClient only connects on the first command."""
import binascii
import sys

from pymemcache.client.hash import HashClient

client, index = None, {}
lines = iter(sys.stdin.read().splitlines())
for line in lines:
    fields = line.split()
    if not fields:
        continue
    if fields[0] == "servers":
        servers = [(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])) for s in fields[1:]]
        client = HashClient(servers, allow_unicode_keys=True)
        index = {"%s:%s" % s: i for i, s in enumerate(servers)}
    elif fields[0] == "keys":
        out = []
        for _ in range(int(fields[1])):
            key = binascii.unhexlify(next(lines)).decode("utf-8")
            out.append(str(index[client.hasher.get_node(key)]))
        print("\n".join(out))
    else:
        sys.exit("bad command: " + line)
