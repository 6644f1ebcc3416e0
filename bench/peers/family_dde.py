"""The held-out family (bench/family/*.yaml) with DeepXDE, pytorch backend: the peer baseline.

One problem per run: family_dde.py --problem NAME [--seed S] [--adam-iters N] [--lbfgs-iters M].
Run through ../shared/peers/run.sh (it sets PYTHONPATH, threads and the backend), e.g.
  PYTHON=/tmp/venv-torch2/bin/python ../shared/peers/run.sh $PWD/bench/peers/family_dde.py --problem wave-1d
Each problem is written here in DeepXDE's own terms (problems.py); everything that is not the
problem is pinn's default or DeepXDE's: FNN 3 x 50 by default, `--hidden 64` for pinn's recipe network (tanh, or sin where the spec asks for it),
Glorot normal, zero biases, float32; 2000 domain + 400 boundary (+ 400 initial) points from
DeepXDE's default Hammersley sampler; loss weights 1; Adam lr 1e-3, then DeepXDE's L-BFGS
(maxiter = --lbfgs-iters, with DeepXDE's per-step limits derived again from it).
Error: pinn's summary.json l2_relative - relative L2 over the output grid (linspace of the
bounding box, 101 x 101 in 2D, 201 in 1D; nodes inside the geometry; at times start, middle and
end for time-dependent problems), one number per field.
Result JSON to $PEERS_RESULTS/family_dde-NAME-sS.json (common.save).
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# common.py lives in the peers kit beside the repository (../shared/peers), or where PEERS_DIR says.
sys.path[:0] = [HERE, os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "..", "shared", "peers"))]

import numpy as np

import common  # noqa: E402 (the kit's; sets torch threads)
import deepxde as dde
import problems

p = argparse.ArgumentParser()
p.add_argument("--problem", required=True, choices=sorted(problems.PROBLEMS))
p.add_argument("--adam-iters", type=int, default=5000)
p.add_argument("--lbfgs-iters", type=int, default=2000)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--hidden", default="50,50,50", help="hidden widths, comma-separated (pinn's recipe: 64)")
args = p.parse_args()

dde.config.set_random_seed(args.seed)
prob = problems.PROBLEMS[args.problem]()
data = prob.data()
hidden = [int(w) for w in args.hidden.split(",")]
net = dde.nn.FNN([prob.n_in] + hidden + [prob.n_out], prob.activation, "Glorot normal")
model = dde.Model(data, net)
XG = prob.grid()
UG = prob.exact(XG)


def grid_errors():
    import torch

    with torch.no_grad():
        u = model.net(torch.as_tensor(XG)).numpy()
    return {f: common.l2_rel(u[:, k], UG[:, k]) for k, f in enumerate(prob.fields)}


res = {
    "problem": args.problem,
    "variant": "deepxde",
    "seed": args.seed,
    "hidden": hidden,
    "fields": prob.fields,
    "n_train_x": int(len(data.train_x)),
    "n_bc": int(sum(data.num_bcs)),
    "grid_points": int(len(XG)),
}
model.compile("adam", lr=1e-3)
with common.Contention() as cont:
    t0 = time.perf_counter()
    model.train(iterations=args.adam_iters, display_every=1000)
    adam_wall = time.perf_counter() - t0
res["adam"] = {"iters": args.adam_iters, "wall_s": adam_wall, "l2": grid_errors(), "contention": cont.result}
lbfgs_wall = 0.0
if args.lbfgs_iters > 0:
    dde.optimizers.set_LBFGS_options(maxiter=args.lbfgs_iters)
    # DeepXDE derives its per-step limits from maxiter once, at import (optimizers/config.py);
    # derive them again, the same way, so that maxiter below 1000 is what it says.
    opts = dde.optimizers.LBFGS_options
    opts["iter_per_step"] = min(1000, opts["maxiter"])
    opts["fun_per_step"] = opts["maxfun"] * opts["iter_per_step"] // opts["maxiter"]
    model.compile("L-BFGS")
    with common.Contention() as cont:
        t1 = time.perf_counter()
        model.train()
        lbfgs_wall = time.perf_counter() - t1
    st = model.opt.state_dict()["state"][0]
    res["lbfgs"] = {
        "maxiter": args.lbfgs_iters,
        "iters": int(st["n_iter"]),
        "func_evals": int(st["func_evals"]),
        "wall_s": lbfgs_wall,
        "contention": cont.result,
    }
res["l2"] = grid_errors()
res["l2_worst_field"] = max(res["l2"].values())
res["train_wall_s"] = adam_wall + lbfgs_wall
tag = "" if hidden == [50, 50, 50] else "-h" + "x".join(map(str, hidden))
common.save(f"family_dde-{args.problem}{tag}-s{args.seed}", res)
