"""Test helper: one HTTP request, from inside a network namespace.
Usage: http.py METHOD URL [BODY_JSON]; prints the status, then the body."""
import sys
import urllib.error
import urllib.request

method, url = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=10) as resp:
        print(resp.status)
        print(resp.read().decode())
except urllib.error.HTTPError as err:
    print(err.code)
    print(err.read().decode())
