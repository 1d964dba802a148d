#!/usr/bin/env python3
"""A raw HTTP/1.1 client that opens a new connection for every request, in a loop, until a stop
file appears: the client of a listening socket's handover, which wrk's keep-alive connections
never exercise. Each request is GET PATH with Connection: close; an answer counts as good only
when it is a complete 200 (status line, headers, and as many body bytes as Content-Length says)
followed by the server's close. Anything else is counted by what went wrong, so that a refused
connection (no process accepting), a reset, and a cut answer are told apart.

    new-connections.py HOST PORT PATH STOPFILE

Prints one line at the end: ok=N refused=N reset=N cut=N bad_status=N timeout=N other=N
"""
import errno
import os
import socket
import sys

host, port, path, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
counts = dict(ok=0, refused=0, reset=0, cut=0, bad_status=0, timeout=0, other=0)


def one_request():
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return "cut"
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 200 "):
        return "bad_status"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            return "cut"
    return "ok"


while not os.path.exists(stop_file):
    try:
        outcome = one_request()
    except ConnectionRefusedError:
        outcome = "refused"
    except ConnectionResetError:
        outcome = "reset"
    except socket.timeout:
        outcome = "timeout"
    except OSError as e:
        outcome = "reset" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "other"
        if outcome == "other":
            print(f"new-connections: {e}", file=sys.stderr)
    counts[outcome] += 1

print(" ".join(f"{k}={v}" for k, v in counts.items()))
