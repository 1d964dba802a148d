"""Socket activation for tests: what systemd does for a .socket unit, in front of a command.

    python3 pass-sockets.py [--blocking] NAME=ADDRESS ... -- COMMAND ARGS...

Binds and listens on each ADDRESS (host:port, or a /path for a unix socket), non-blocking as a
service unit's NonBlocking=yes makes them unless --blocking, puts them on descriptors 3, 4, ... and execs
COMMAND with LISTEN_FDS, LISTEN_PID (its own pid: exec keeps it) and LISTEN_FDNAMES set, as
sd_listen_fds(3) describes. systemd-socket-activate cannot be used: it passes blocking sockets.
"""
import os
import socket
import sys

args = sys.argv[1:]
blocking = False
if args and args[0] == "--blocking":
    blocking = True
    args = args[1:]
sep = args.index("--")
specs, command = args[:sep], args[sep + 1:]
sockets, names = [], []
for spec in specs:
    name, address = spec.split("=", 1)
    if address.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(address)
    else:
        host, port = address.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    s.listen(128)
    s.setblocking(blocking)
    sockets.append(s)
    names.append(name)
# Out of the way first, so that moving one onto 3 + i never closes another still to be moved.
high = [os.dup(s.fileno()) for s in sockets]
for s in sockets:
    s.detach()
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i, inheritable=True)
os.environ["LISTEN_FDS"] = str(len(sockets))
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDNAMES"] = ":".join(names)
os.execvp(command[0], command)
