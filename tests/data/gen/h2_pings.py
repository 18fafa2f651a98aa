#!/usr/bin/env python3
"""Writes a raw HTTP/2 client conversation to stdout for `openssl s_client -alpn h2` to carry:
the preface and SETTINGS, a SETTINGS ACK, then PINGs, with OpenSSL's interactive KeyUpdate
commands in between ("K": KeyUpdate asking the peer to update too; "k": without asking). Each
command goes in a write of its own (s_client reads a command only at the start of a read).

    h2_pings.py | openssl s_client -connect HOST:PORT -tls1_3 -alpn h2 -keylogfile KEYS
    h2_pings.py --pings 8 --gap 0.4 | ...   # only PINGs, every 0.4 s, no KeyUpdate
"""
import os
import struct
import sys
import time


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def ping(n):
    return frame(6, 0, 0, struct.pack(">Q", n))


def send(data, pause):
    os.write(1, data)
    time.sleep(pause)


def main():
    send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0), 0.5)
    send(frame(4, 1, 0) + ping(1), 0.4)   # SETTINGS ACK, PING 1
    send(b"K\n", 0.4)                      # KeyUpdate, update_requested: both sides update
    send(ping(2), 0.4)
    send(b"k\n", 0.4)                      # KeyUpdate, update_not_requested: the client only
    send(ping(3), 0.4)
    send(b"K\n", 0.4)
    send(ping(4), 0.8)
    send(frame(7, 0, 0, struct.pack(">II", 0, 0) + b"bye"), 0.5)  # GOAWAY NO_ERROR "bye", if still open


def only_pings(count, gap):
    send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0), 0.5)
    send(frame(4, 1, 0), 0.2)              # SETTINGS ACK
    for n in range(1, count + 1):
        send(ping(n), gap)
    send(frame(7, 0, 0, struct.pack(">II", 0, 0)), 0.5)  # GOAWAY NO_ERROR


if __name__ == "__main__":
    try:
        if len(sys.argv) == 5 and sys.argv[1] == "--pings" and sys.argv[3] == "--gap":
            only_pings(int(sys.argv[2]), float(sys.argv[4]))
        else:
            main()
    except BrokenPipeError:  # the server hung up first (grpc-go answers the 4th PING with GOAWAY)
        sys.exit(0)
