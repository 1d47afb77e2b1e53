"""Test helper: one HTTP request, from inside a network namespace.
Usage: http_call.py METHOD URL [BODY_JSON|"" [HEADERS_JSON]]; prints the status, then the body."""
import json
import sys
import urllib.error
import urllib.request

method, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 and sys.argv[3] else None
headers = {"Content-Type": "application/json"}
if len(sys.argv) > 4:
    headers.update(json.loads(sys.argv[4]))
req = urllib.request.Request(url, data=body, method=method, headers=headers)
try:
    with urllib.request.urlopen(req, timeout=10) as resp:
        print(resp.status)
        print(resp.read().decode())
except urllib.error.HTTPError as err:
    print(err.code)
    print(err.read().decode())
