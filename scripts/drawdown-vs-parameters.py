"""The drawdown's effect next to the spread from the model's parameters (docs/sweeps.md, "The
worked study"): Russia's full drawdown (scope 1) against a small one (scope 0.2), pace 60 days,
Tartus left, the US staying, over 16 Latin-hypercube draws of four parameters across the ranges
of scenarios/calibration/history.yaml, 4 replicates each on common random numbers.

    PYTHONPATH=analysis:build/dev/python python3 scripts/drawdown-vs-parameters.py [DIR]
"""
import sys
from pathlib import Path
import numpy as np, pandas as pd
import powershift as ps
base = Path(__file__).resolve().parents[1] / "scenarios" / "syria-us-withdrawal.yaml"
work = Path(sys.argv[1] if len(sys.argv) > 1 else "drawdown-vs-parameters")
params = {"model.control.theta": {"distribution": {"loguniform": [0.0005, 0.008]}},
          "model.control.gamma": (1.0, 4.0),
          "model.combat.intensity": {"distribution": {"loguniform": [0.02, 0.5]}},
          "model.combat.fight_threshold": (0.05, 0.55)}
out = {}
for scope in (0.2, 1.0):
    spec = ps.sweep.lhs(base, params, 16, design_seed=3, name=f"spread-{int(scope*10)}", replicates=4, seed=1,
                        seed_policy="common",
                        set={"events[2].scope": 0, "events[0].pace_days": 60, "events[0].scope": scope,
                             "events[0].keep": [], "events[0].leave": ["Hmeimim", "TartusBase"]},
                        record={"fields": ["control"], "interval": 5},
                        outputs=["control_share_pop", "vacuum_share", "attribution_net", "attribution_lost", "control"])
    ds = ps.sweep.run(spec, dir=work / f"scope-{scope}", progress=False)
    out[scope] = ds
L = {s: d.attribution_lost.sum("region") for s, d in out.items()}
eff = (L[1.0] - L[0.2])  # member, replicate (common random numbers, same design)
print("loss at scope 1: mean over members", float(L[1.0].mean()), "sd across members (replicate means)",
      float(L[1.0].mean("replicate").std()), "mean replicate sd", float(L[1.0].std("replicate").mean()))
print("loss at scope 0.2: mean", float(L[0.2].mean()), "sd across members", float(L[0.2].mean("replicate").std()))
print("effect scope 1 - 0.2 per member (replicate mean):", np.round(eff.mean("replicate").values, 2))
print("effect mean", float(eff.mean()), "min", float(eff.mean("replicate").min()), "max", float(eff.mean("replicate").max()))
h1 = out[1.0].control_share_pop.sel(actor="hts").isel(time=-1)
h0 = out[0.2].control_share_pop.sel(actor="hts").isel(time=-1)
print("HTS share day 365: effect", float((h1-h0).mean()), "sd across members at scope 1", float(h1.mean("replicate").std()),
      "replicate sd", float(h1.std("replicate").mean()))
