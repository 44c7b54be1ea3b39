#!/usr/bin/env python3
"""measure.py — run one command, report its wall time and peak memory.

usage: measure.py [--out FILE] [--stdout F] [--stderr F] -- COMMAND [ARGS...]

Prints (or writes to FILE) one line of JSON:
  {"wall_s": ..., "user_s": ..., "sys_s": ..., "maxrss_kb": ..., "rc": ...}
wall_s from time.monotonic() around the child; user/sys/maxrss from
os.wait4's rusage of that child alone (peak resident set size, kB on Linux).
The command's own output goes to --stdout/--stderr files (default: inherited).
Exits with the command's exit status.
"""
import json
import os
import subprocess
import sys
import time


def main(argv):
    out = so = se = None
    i = 1
    while i < len(argv) and argv[i] != "--":
        if argv[i] in ("--out", "--stdout", "--stderr") and i + 1 < len(argv):
            val = argv[i + 1]
            if argv[i] == "--out":
                out = val
            elif argv[i] == "--stdout":
                so = val
            else:
                se = val
            i += 2
        else:
            print(__doc__, file=sys.stderr)
            return 2
    cmd = argv[i + 1:]
    if not cmd:
        print(__doc__, file=sys.stderr)
        return 2
    fo = open(so, "wb") if so else None
    fe = open(se, "wb") if se else None
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe)
    except OSError as e:
        print(f"measure.py: cannot run {cmd[0]}: {e}", file=sys.stderr)
        return 127
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc   # already reaped
    for fh in (fo, fe):
        if fh:
            fh.close()
    res = {"wall_s": round(wall, 4), "user_s": round(ru.ru_utime, 4), "sys_s": round(ru.ru_stime, 4),
           "maxrss_kb": ru.ru_maxrss, "rc": rc}
    line = json.dumps(res)
    if out:
        with open(out, "w") as f:
            f.write(line + "\n")
    else:
        print(line)
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
