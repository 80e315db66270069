#!/usr/bin/env python3
"""soak-client.py SOCKET PID CYCLES BATCH OUT — the host soak's client (tests/suites/soak.sh).

Drives a running dry-run vtierd over its control socket (docs/control.md: newline-delimited
JSON, one connection, requests answered in order): CYCLES guest add/remove cycles, BATCH guests
at a time, each guest under a new name (soak-N, attached by one of the fake workload pids
1000..1019 with a policy that rotates through ratio, pin-fast and pin-slow). After each attach
batch and each detach batch it waits until vtierd has reconciled (status: reconciles_total grew
and every new guest is planned, or gone). Every SAMPLE cycles it records vtierd's RSS
(/proc/PID/status VmRSS) and open fds (/proc/PID/fd). Writes one line per sample to OUT
("cycles seconds rss_kib fds") and prints a summary; exits 1 on a failed request or a timeout.
"""
import json
import os
import socket
import sys
import time

NS = "https://vtier.dev/xmlns/policy/1.0"
POLICIES = [
    None,
    "<vtier:policy xmlns:vtier='%s' mode='pin-fast'/>" % NS,
    "<vtier:policy xmlns:vtier='%s' mode='pin-slow'/>" % NS,
]


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(60)
        self.s.connect(path)
        self.f = self.s.makefile("rb")
        self.id = 0

    def call(self, cmd, args=None):
        self.id += 1
        req = {"v": 1, "id": self.id, "cmd": cmd}
        if args is not None:
            req["args"] = args
        self.s.sendall(json.dumps(req).encode() + b"\n")
        reply = json.loads(self.f.readline())
        if reply.get("id") != self.id:
            raise RuntimeError("reply id %s for request %d" % (reply.get("id"), self.id))
        if not reply.get("ok"):
            raise RuntimeError("%s %s: %s" % (cmd, args, reply.get("error")))
        return reply.get("result")


def sample(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def wait_reconciled(c, before, names, present, timeout):
    deadline = time.monotonic() + timeout
    while True:
        st = c.call("status")
        guests = {g["name"]: g for g in st.get("guests", [])}
        if st.get("reconciles_total", 0) > before:
            if present and all(n in guests and guests[n].get("state") in ("tiering", "unmeasured") for n in names):
                return st
            if not present and not any(n in guests for n in names):
                return st
        if time.monotonic() > deadline:
            raise RuntimeError("no reconcile within %d s (reconciles %s -> %s; guests: %s)" % (
                timeout, before, st.get("reconciles_total"),
                "; ".join("%s %s %s" % (n, g.get("state"), g.get("state_reason"))
                          for n, g in sorted(guests.items()))))
        time.sleep(0.02)


def main():
    path, pid, cycles, batch, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    every = int(os.environ.get("SOAK_SAMPLE", "50"))
    timeout = int(os.environ.get("SOAK_TIMEOUT", "30"))
    c = Client(path)
    t0 = time.monotonic()
    samples = []
    done = 0
    n = 0
    with open(out, "w") as o:
        rss, fds = sample(pid)
        samples.append((0, 0.0, rss, fds))
        o.write("0 0.0 %d %d\n" % (rss, fds))
        while done < cycles:
            k = min(batch, cycles - done)
            names = []
            st = c.call("status")
            for i in range(k):
                name = "soak-%d" % n
                args = {"name": name, "pid": 1000 + n % 20}
                pol = POLICIES[n % len(POLICIES)]
                if pol:
                    args["policy"] = pol
                c.call("attach", args)
                names.append(name)
                n += 1
            st = wait_reconciled(c, st["reconciles_total"], names, True, timeout)
            for name in names:
                c.call("detach", {"name": name})
            wait_reconciled(c, st["reconciles_total"], names, False, timeout)
            prev = done
            done += k
            if done // every != prev // every or done == cycles:
                rss, fds = sample(pid)
                t = time.monotonic() - t0
                samples.append((done, t, rss, fds))
                o.write("%d %.1f %d %d\n" % (done, t, rss, fds))
                o.flush()
    st = c.call("status")
    print("cycles %d in %.1f s; reconciles %s, commits %s, writes %s" % (
        done, time.monotonic() - t0, st.get("reconciles_total"), st.get("commits_total"),
        st.get("writes_total")))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the suite shows the reason
        print("soak-client: %s" % e)
        sys.exit(1)
