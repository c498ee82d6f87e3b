#!/usr/bin/env python3
"""CPU ticks (user + system) of one PostgreSQL cluster's processes, by kind: its client backends,
each background process, and the children that have exited (autovacuum workers, counted in the
postmaster's cutime and cstime once they are reaped).
Usage: pg-cpu.py POSTMASTER_PID            prints "kind<TAB>ticks" lines
       pg-cpu.py --per-hop BEFORE AFTER HOPS  prints µs of CPU per hop by kind from two such outputs"""
import os, sys


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # [0] is field 3 (state)


def snapshot(postmaster):
    kinds = {}
    top = stat(postmaster)
    kinds["postmaster"] = int(top[11]) + int(top[12])
    kinds["exited children (autovacuum workers)"] = int(top[13]) + int(top[14])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = stat(pid)
            if fields[1] != str(postmaster):
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                name = f.read().replace(b"\0", b" ").decode(errors="replace").strip().removeprefix("postgres: ")
        except OSError:
            continue  # gone meanwhile
        if name.startswith("autovacuum worker"):
            kind = "autovacuum workers"
        elif name.split(" ")[0] in ("checkpointer", "walwriter", "autovacuum", "logical", "background"):
            kind = name
        else:
            kind = "client backends"
        kinds[kind] = kinds.get(kind, 0) + int(fields[11]) + int(fields[12])
    return kinds


def read(path):
    with open(path) as f:
        return {k: int(v) for k, v in (line.rstrip("\n").split("\t") for line in f if line.strip())}


if sys.argv[1] == "--per-hop":
    before, after, hops = read(sys.argv[2]), read(sys.argv[3]), float(sys.argv[4])
    tick = os.sysconf("SC_CLK_TCK")
    rows = [(k, (after.get(k, 0) - before.get(k, 0)) / tick * 1e6 / max(hops, 1)) for k in after]
    for kind, us in sorted(rows, key=lambda r: -r[1]):
        print(f"{us:8.1f} µs a hop  {kind}")
    print(f"{sum(us for _, us in rows):8.1f} µs a hop  PostgreSQL in all")
else:
    for kind, ticks in snapshot(int(sys.argv[1])).items():
        print(f"{kind}\t{ticks}")
