"""A SimPy, process-based implementation of the pathways model, one run at a time.

It is the reference the vectorised model is checked against (same calibration, same rules,
its own scalar code and random stream), and the baseline of the performance benchmark. Border
Patrol, USCIS and ICE are processes; detention, the screening queue and HHS care are SimPy
containers. Requires the `simpy` package (a development dependency).
"""

from __future__ import annotations

import math
import random

import numpy as np

from corridor.simulate.calibrate import NONUAC, PathwaysCalibration
from corridor.simulate.pathways import HHS_STAY_DAYS, SERIES, Drivers, detention_capacity
from corridor.simulate.policy import days_in

_CAPPED = ((0, 1), (1, 0), (2, 3))  # (position in conditional/caps, outcome column): t42, t8, ice


def simulate_des(
    calibration: PathwaysCalibration, drivers: Drivers, *, runs: int = 100, seed: int = 0
) -> np.ndarray:
    """Baseline scenario only: (runs, months, series) samples, like `PathwaysResult.samples`."""
    out = np.zeros((runs, len(drivers.months), len(SERIES)), dtype=np.int64)
    for r in range(runs):
        out[r] = _one_run(calibration, drivers, random.Random(seed * 1_000_003 + r))
    return out


def _one_run(cal: PathwaysCalibration, drv: Drivers, rnd: random.Random) -> np.ndarray:
    import simpy

    env = simpy.Environment()
    T = len(drv.months)
    rec = np.zeros((T, len(SERIES)), dtype=np.int64)
    start = drv.detained_start if drv.detained_start is not None else cal.detained_end
    detention = simpy.Container(env, init=round(start))
    queue = simpy.Container(env, init=0)
    hhs = simpy.Container(env, init=0)
    month_no = [m.year * 12 + m.month for m in drv.months]
    walks = {}
    for name, reg in cal.regimes.items():
        level = [1.0] * 4
        path: dict[int, list[float]] = {0: list(level)}
        for q in range(1, 4 * 60 + 1):
            level = [v * math.exp(rnd.gauss(0, cal.sigma * 0.5)) for v in level]
            path[q] = list(level)
        walks[name] = (reg.anchor, path)
    handoff: dict[int, tuple] = {}

    def border_patrol(env):
        for t in range(T):
            enc = [math.floor(x + 0.5) for x in drv.encounters[t]]
            w42 = drv.title42[t]
            name = "title42" if w42 >= 0.5 else "title8"
            parts = []
            if 0 < w42 < 1:
                n42 = [math.floor(x * w42 + 0.5) for x in enc]
                parts = [
                    ("title42", n42, drv.ofo_nonuac[t] * w42),
                    ("title8", [a - b for a, b in zip(enc, n42, strict=True)], drv.ofo_nonuac[t] * (1 - w42)),
                ]
                name = parts[0][0]
            else:
                parts = [(name, enc, drv.ofo_nonuac[t])]
            flows = [0] * 8
            ice = [0] * 4
            for regime, n, ofo_n in parts:
                f, i = _split(cal, regime, n, ofo_n, drv.mpp[t], walks, month_no[t], rnd)
                flows = [a + b for a, b in zip(flows, f, strict=True)]
                ice = [a + b for a, b in zip(ice, i, strict=True)]
            handoff[t] = (name, flows, ice)
            yield env.timeout(1)

    def ice_and_uscis(env):
        yield env.timeout(0.5)  # acts on each month after the border decisions
        for t in range(T):
            name, flows, ice = handoff[t]
            reg = cal.regimes[name]
            b = rnd.choice(list(reg.book_in))
            booked = [math.floor(x * b) for x in ice]
            intake_released = sum(ice) - sum(booked)
            rate = min(rnd.choice(list(reg.fear_rate)), 1.0)
            fear = sum(math.floor(x * rate) for x in booked)
            interior = (
                int(drv.interior[t]) if drv.interior is not None else int(rnd.choice(list(reg.interior)))
            )
            if fear:
                yield queue.put(fear)
            if sum(booked) - fear + interior:
                yield detention.put(sum(booked) - fear + interior)
            done = min(queue.level, int(cal.cf_capacity))
            res = reg.cf_results[rnd.randrange(len(reg.cf_results))]
            positive, negative = math.floor(done * res[0]), math.floor(done * res[1])
            if done:
                yield queue.get(done)
            alos = reg.alos[rnd.randrange(len(reg.alos))]
            exits = math.floor(detention.level * (1 - math.exp(-days_in(drv.months[t]) / max(alos, 1.0))))
            removed = math.floor(exits * rnd.choice(list(reg.removal_share)))
            if exits:
                yield detention.get(exits)
            over = max(detention.level + queue.level - int(detention_capacity(cal, drv)), 0)
            cap_released = min(over, detention.level)
            if cap_released:
                yield detention.get(cap_released)
            if flows[4]:
                yield hhs.put(flows[4])
            hhs_out = math.floor(hhs.level * (1 - math.exp(-days_in(drv.months[t]) / HHS_STAY_DAYS)))
            if hhs_out:
                yield hhs.get(hhs_out)
            released = (
                flows[5] + flows[6] + intake_released + positive + (exits - removed) + cap_released + hhs_out
            )
            rec[t, :8] = flows
            rec[t, 8:] = [
                detention.level + queue.level,
                queue.level,
                done,
                positive,
                negative + removed,
                released,
                released + flows[2],
                hhs.level,
            ]
            yield env.timeout(1)

    env.process(border_patrol(env))
    env.process(ice_and_uscis(env))
    env.run()
    return rec


def _split(cal, name, n, ofo_n, mpp_on, walks, month, rnd):
    reg = cal.regimes[name]
    anchor, path = walks[name]
    q = min(int(abs(month - anchor) / 12 * 4), max(path)) if len(reg.caps) else 0
    drift = path[q]
    flows = [0] * 8
    ice = [0] * 4
    i_nb = rnd.randrange(len(reg.conditional))
    i_mpp = rnd.randrange(len(reg.mpp_share))
    left, cond = {}, {}
    for j, g in enumerate(NONUAC):
        mpp = math.floor(n[g] * reg.mpp_share[i_mpp, j] * mpp_on)
        other = math.floor(n[g] * reg.other_share[i_nb, j])
        flows[2] += mpp
        flows[7] += other
        left[g] = n[g] - mpp - other
        cond[g] = reg.conditional[i_nb, j]
    caps = reg.caps[rnd.randrange(len(reg.caps))] if len(reg.caps) else [math.inf] * 3
    for k, col in _CAPPED:
        want = {g: left[g] * cond[g][k] for g in left}
        total = sum(want.values())
        cap = caps[k] * drift[k]
        scale = cap / total if total > cap else 1.0
        for g in left:
            got = math.floor(want[g] * scale)
            left[g] -= got
            flows[col] += got
            if col == 3:
                ice[g] += got
    residual = sum(left.values())
    ofo_other = reg.ofo_other[rnd.randrange(len(reg.ofo_other))] * drift[3]
    ofo = min(residual, math.floor(max(ofo_n - ofo_other, 0)))
    flows[6] += ofo
    flows[5] += residual - ofo
    u = reg.uac[rnd.randrange(len(reg.uac))]
    t8 = math.floor(n[2] * u[0])
    t42 = math.floor(n[2] * u[1]) if name == "title42" else 0
    flows[0] += t8
    flows[1] += t42
    flows[4] += n[2] - t8 - t42
    return flows, ice
