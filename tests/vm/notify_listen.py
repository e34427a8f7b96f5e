#!/usr/bin/python3
"""Stands in for systemd's notification socket: binds a datagram socket at
argv[1] and appends each message to argv[2] as "<monotonic seconds> <message>"."""
import os, socket, sys, time

path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        data = s.recv(4096).decode(errors="replace")
        for line in data.splitlines():
            out.write(f"{time.monotonic():.3f} {line}\n")
