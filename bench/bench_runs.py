"""What the benchmark runners share: running a program with its output logged,
and the machine's load."""
import json
import os
import subprocess
import sys


def run_logged(cmd, cwd, log):
    """Runs cmd, echoing and saving its output; returns the last JSON line."""
    print(f'$ {" ".join(map(str, cmd))}   (in {cwd})', flush=True)
    last_json = None
    with open(log, 'w') as out:
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            out.write(line)
            if line.startswith('{'):
                last_json = line
        if proc.wait() != 0:
            sys.exit(f'{cmd[0]} failed with status {proc.returncode} (log: {log})')
    if last_json is None:
        sys.exit(f'{cmd[0]} printed no JSON line (log: {log})')
    return json.loads(last_json)


def load_average():
    """The 1-minute load average, or NaN where the system does not tell."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float('nan')


def last_json_of_log(log):
    """The last JSON line of an earlier run's log (for reusing a peer's figures)."""
    try:
        lines = log.read_text().splitlines()
    except OSError as e:
        sys.exit(f'cannot reuse the earlier figures: {e} (run once without the reuse option)')
    for line in reversed(lines):
        if line.startswith('{'):
            return json.loads(line)
    sys.exit(f'{log} holds no JSON line: run once without the reuse option')
