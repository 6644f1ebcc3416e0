"""The held-out family side by side, as a Markdown table (docs/accuracy.md).

family_table.py --pinn BENCH_FAMILY_JSON... --dde PEERS_RESULTS_DIR
The pinn files are `npm run bench -- --family --out FILE` results; the DeepXDE folder holds
family_dde.py's family_dde-PROBLEM-sSEED.json. Errors are the worst field's L2 relative error
of each run; per problem the median and the worst over seeds, the median training time, and the
range of the 1-minute load average as the runs started.
"""
import argparse
import glob
import json
import os
import statistics

p = argparse.ArgumentParser()
p.add_argument("--pinn", nargs="+", required=True)
p.add_argument("--dde", required=True)
args = p.parse_args()

pinn = {}
load = {}  # 1-minute load average as each run started, both tools
for f in args.pinn:
    for run in json.load(open(f))["runs"]:
        pinn.setdefault(run["problem"], []).append((run["l2_worst_field"], run["training_s"]))
        load.setdefault(run["problem"], []).append(run["load_before"])
dde = {}
for f in glob.glob(os.path.join(args.dde, "family_dde-*.json")):
    run = json.load(open(f))
    dde.setdefault(run["problem"], []).append((run["l2_worst_field"], run["train_wall_s"]))
    load.setdefault(run["problem"], []).append(run["adam"]["contention"]["loadavg_start"])


def stats(runs):
    if not runs:
        return None
    errors = [e for e, _ in runs]
    return statistics.median(errors), max(errors), statistics.median([s for _, s in runs]), len(runs)


def cells(s):
    return ["-"] * 3 if s is None else [f"{s[0]:.2e}", f"{s[1]:.2e}", f"{s[2]:.0f}"]


print("| problem | pinn median L2 | pinn worst L2 | pinn median s | DeepXDE median L2 | DeepXDE worst L2 "
      "| DeepXDE median s | median ratio pinn / DeepXDE | seeds | load |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for problem in sorted(set(pinn) | set(dde)):
    a, b = stats(pinn.get(problem, [])), stats(dde.get(problem, []))
    ratio = f"{a[0] / b[0]:.2f}" if a and b else "-"
    seeds = f"{a[3] if a else 0} / {b[3] if b else 0}"
    loads = f"{min(load[problem]):.0f}-{max(load[problem]):.0f}"
    print(f"| {problem} | " + " | ".join(cells(a) + cells(b)) + f" | {ratio} | {seeds} | {loads} |")
