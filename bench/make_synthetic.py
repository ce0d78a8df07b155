#!/usr/bin/env python3
"""Write a synthetic powershift scenario of a given size (a grid of regions, actors with homes
spread over it, random relations and forces), for benchmarks and scaling tests.

    python3 bench/make_synthetic.py --width 40 --height 40 --actors 16 --strength 2e6 \
        --unit-size 100 --seed 7 -o synthetic.yaml

Deterministic for a seed. Needs only the Python standard library."""
import argparse
import math
import random
import sys


def generate(width: int, height: int, actors: int, strength: float, unit_size: float,
             steps: int, seed: int) -> str:
    rng = random.Random(seed)
    regions = width * height
    out = [f"# synthetic scenario: {width} x {height} regions, {actors} actors, seed {seed}",
           "name: synthetic",
           "description: synthetic grid scenario for benchmarks (bench/make_synthetic.py)",
           f"run: {{steps: {steps}, unit_size: {unit_size}, seed: {seed}}}",
           "regions:"]
    for y in range(height):
        for x in range(width):
            pop = int(1e4 + 4e5 * rng.random() * rng.random())
            terrain = round(1.0 + 0.5 * rng.random(), 3)
            value = []
            if rng.random() < 0.05:
                value.append("port: 1")
            if rng.random() < 0.05:
                value.append("oil: 1")
            v = f", value: {{{', '.join(value)}}}" if value else ""
            out.append(f"  - {{name: r{y * width + x}, lat: {30 + 0.25 * y:.2f}, "
                       f"lon: {30 + 0.25 * x:.2f}, population: {pop}, terrain: {terrain}{v}}}")
    out.append("  - {name: abroad, offmap: true}")
    out.append("edges:")
    for y in range(height):
        for x in range(width):
            r = y * width + x
            if x + 1 < width:
                out.append(f"  - {{a: r{r}, b: r{r + 1}}}")
            if y + 1 < height:
                out.append(f"  - {{a: r{r}, b: r{r + width}}}")
    out += ["exits:",
            "  - {from: r0, to: abroad, capacity: 500, km: 1000, mode: airlift}",
            f"  - {{from: r{regions - 1}, to: abroad, capacity: 500, km: 1000, mode: sealift}}",
            "unit_types:",
            "  inf: {lambda_km: 30, range_km: 60, speed_km_day: 100}",
            "  irr: {attack: 0.6, defence: 0.8, lambda_km: 30, range_km: 60, speed_km_day: 100, "
            "law: linear, declines: true}",
            "  air: {attack: 5, defence: 0.5, lambda_km: 150, range_km: 300, speed_km_day: 1000, "
            "upkeep: 5, holds_ground: false}",
            "actors:"]
    homes, held = [], {}
    for a in range(actors):
        home = rng.randrange(regions)
        homes.append(home)
        hx, hy = home % width, home // width
        is_state = a % 3 == 0
        forces = []
        for g in range(8):
            x = min(max(hx + rng.randrange(9) - 4, 0), width - 1)
            y = min(max(hy + rng.randrange(9) - 4, 0), height - 1)
            kind = "air" if (g == 0 and is_state) else ("inf" if is_state else "irr")
            forces.append((kind, y * width + x, strength / actors / 8))
            held.setdefault(y * width + x, a)
        salience = ", ".join(
            f"r{r}: {math.exp(-math.hypot(r % width - hx, r // width - hy) / 6):.3f}"
            for r in range(regions) if math.hypot(r % width - hx, r // width - hy) < 18)
        control = ", ".join(f"r{r}: 0.9" for r, owner in held.items() if owner == a)
        out += [f"  actor{a}:",
                f"    kind: {'state' if is_state else 'non_state'}",
                f"    home: r{home}",
                f"    recruit_type: {'inf' if is_state else 'irr'}",
                f"    aggressiveness: {0.3 + 0.6 * rng.random():.3f}",
                f"    risk_aversion: {rng.random():.3f}",
                f"    cost_sensitivity: {rng.random():.3f}",
                f"    rationality: {3 + 7 * rng.random():.3f}",
                f"    decision_interval: {3 + rng.randrange(5)}",
                f"    salience: {{{salience}}}",
                f"    control: {{{control}}}",
                "    forces:"]
        out += [f"      - {{type: {k}, region: r{r}, strength: {s:.1f}}}" for k, r, s in forces]
    out.append("relations:")
    for a in range(actors):
        for b in range(a + 1, actors):
            v = round((2 * rng.random() - 1) * 20) / 20
            if v != 0:
                out.append(f"  - {{a: actor{a}, b: actor{b}, value: {v}}}")
    out += ["events:",
            "  - {type: drawdown, actor: actor0, day: 2, schedule: [{day: 10, fraction: 0.5}], "
            "first: [air, inf, irr]}",
            "outputs: {interval: 7}"]
    return "\n".join(out) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=40)
    p.add_argument("--height", type=int, default=40)
    p.add_argument("--actors", type=int, default=16)
    p.add_argument("--strength", type=float, default=2e6, help="total strength of all forces")
    p.add_argument("--unit-size", type=float, default=100.0)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args()
    if a.width < 1 or a.height < 1 or a.actors < 1 or a.strength <= 0 or a.unit_size <= 0:
        p.error("sizes must be positive")
    text = generate(a.width, a.height, a.actors, a.strength, a.unit_size, a.steps, a.seed)
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
