#!/usr/bin/env python3
"""Fits the two small logistic models of earwitness on the devset candidates:
the detection score (src/detect/score.rs) and the gunshot score (src/features/classify.rs).

Usage:
    cargo run --release --example devset_run -- ../shared/devset/audio /tmp/cand '{"score": {"threshold": 0}}'
    python3 scripts/fit-models.py /tmp/cand ../shared/devset/labels

Detection: each candidate is labelled 1 when score.py's greedy one-to-one matching
(|dt| <= 50 ms) pairs it with a labelled event, else 0.
Gunshot: among the candidates whose detection score reaches GUNSHOT_POOL_MIN_SCORE, 1 when the
matched label is a gunshot, else 0 (other impulsive sounds and false detections alike).

For each model the script prints leave-one-clip-out figures (each clip scored by a model
fitted on the other 19) and the weights fitted on all clips, in raw units, ready for the code.
Only numpy is needed: the regression is plain Newton-Raphson (IRLS) with a small L2 penalty on
standardised features.
"""
import glob
import json
import os
import sys

import numpy as np

FEATURES = ["log_strength", "peak_over_pre_db", "voicing", "contrast_rank"]
L2 = 1.0
COLLAR = 0.05
GUNSHOT_POOL_MIN_SCORE = 0.3
# classify::CENTROID_FLOOR_HZ: the centroid enters the gunshot model in octaves about 1 kHz,
# counted from the lowest detection band (100 Hz) up.
CENTROID_FLOOR_HZ = 100.0


def gunshot_inputs(e):
    """The gunshot model's inputs, in the order of classify::inputs."""
    f, ev = e["features"], e["evidence"]
    return [
        np.log10(f["rise_ms"] + 0.05),
        min(f["ebr_db"], 20.0),
        np.log2(max(f["centroid_hz"], CENTROID_FLOOR_HZ) / 1000.0),
        # classify::event_flatness: the background subtracted, as for the centroid.
        f["flatness"] if f.get("event_flatness") is None else f["event_flatness"],
        # None when the clip ends inside the voicing window: the column's mean, as the tail.
        np.nan if ev["periodicity"] is None else ev["periodicity"],
        # None when the clip ends before the tail window: NaN here, the column's mean below
        # (classify::gunshot_model takes the fitted mean for a missing input).
        np.nan if f["tail_db"] is None else f["tail_db"],
    ]


def match(pred, lab):
    pairs = sorted((abs(a - b), i, j) for i, a in enumerate(pred) for j, b in enumerate(lab) if abs(a - b) <= COLLAR + 1e-9)
    used_p, used_l, m = set(), set(), {}
    for _, i, j in pairs:
        if i in used_p or j in used_l:
            continue
        used_p.add(i)
        used_l.add(j)
        m[i] = j
    return m


def fit(X, y):
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = np.hstack([np.ones((len(X), 1)), (X - mu) / sd])
    w = np.zeros(Z.shape[1])
    pen = np.full(Z.shape[1], L2)
    pen[0] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-Z @ w))
        g = Z.T @ (p - y) + pen * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(pen)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    coef = w[1:] / sd
    return w[0] - (coef * mu).sum(), coef


def main():
    cand_dir, lab_dir = sys.argv[1], sys.argv[2]
    clips, X, y, T, labels = [], [], [], [], {}
    g_clips, GX, gy, GC = [], [], [], []
    for lf in sorted(glob.glob(os.path.join(lab_dir, "*.json"))):
        L = json.load(open(lf))
        if "events" not in L:
            continue
        clip = L["clip"]
        labels[clip] = [e["onset_s"] for e in L["events"]]
        classes = [e["class"] for e in L["events"]]
        P = json.load(open(os.path.join(cand_dir, clip + ".json")))["events"]
        m = match([e["onset_s"] for e in P], labels[clip])
        for i, e in enumerate(P):
            clips.append(clip)
            # A measure the clip's end cut short is None: NaN here, the column's mean below
            # (detect::score takes weights::VOICING_MEAN for a missing voicing).
            X.append([np.nan if e["evidence"][f] is None else e["evidence"][f] for f in FEATURES])
            y.append(1.0 if i in m else 0.0)
            T.append(e["onset_s"])
            if e["score"] >= GUNSHOT_POOL_MIN_SCORE:
                g_clips.append(clip)
                GX.append(gunshot_inputs(e))
                GC.append(e["features"].get("crack_lead_ms") is not None)
                gy.append(1.0 if i in m and classes[m[i]] == "gunshot" else 0.0)
    clips, X, y, T = np.array(clips), np.array(X, dtype=float), np.array(y), np.array(T)
    means = np.nanmean(X, axis=0)
    X = np.where(np.isnan(X), means, X)
    total = sum(len(v) for v in labels.values())
    print(f"{len(y)} candidates, {int(y.sum())} matched, {total} labels")

    def f1_at(prob, th):
        tp = fp = 0
        for c in labels:
            sel = (clips == c) & (prob >= th)
            n = len(match(list(T[sel]), labels[c]))
            tp += n
            fp += int(sel.sum()) - n
        P = tp / max(tp + fp, 1)
        R = tp / total
        return 2 * P * R / max(P + R, 1e-9), P, R

    prob = np.zeros(len(y))
    for c in sorted(set(clips)):
        tr = clips != c
        b, w = fit(X[tr], y[tr])
        prob[~tr] = 1 / (1 + np.exp(-(b + X[~tr] @ w)))
    print("leave-one-clip-out:")
    for th in np.arange(0.2, 0.71, 0.05):
        f, p, r = f1_at(prob, th)
        print(f"  threshold {th:.2f}: F1 {f:.3f} (P {p:.3f}, R {r:.3f})")
    b, w = fit(X, y)
    print("weights fitted on all clips (paste into src/detect/score.rs):")
    print(f"  BIAS = {b:.3f}")
    for name, v in zip(FEATURES, w):
        print(f"  {name.upper()} = {v:.3f}")
    print(f"  VOICING_MEAN = {means[FEATURES.index('voicing')]:.3f} (over {len(y)} candidates)")

    g_clips, GX, gy, GC = np.array(g_clips), np.array(GX), np.array(gy), np.array(GC)
    GX = np.where(np.isnan(GX), np.nanmean(GX, axis=0), GX)
    print(f"\ngunshot model: {len(gy)} candidates with detection score >= {GUNSHOT_POOL_MIN_SCORE}, {int(gy.sum())} gunshots")

    def crack_llr(sel):
        """The crack is too rare to fit beside the others: its log-likelihood ratio, each share
        Laplace-smoothed (one added to the count, two to the total)."""
        k1, n1 = int((GC[sel] & (gy[sel] == 1)).sum()), int((gy[sel] == 1).sum())
        k0, n0 = int((GC[sel] & (gy[sel] == 0)).sum()), int((gy[sel] == 0).sum())
        return np.log(((k1 + 1) / (n1 + 2)) / ((k0 + 1) / (n0 + 2))), (k1, n1, k0, n0)

    gp = np.zeros(len(gy))
    for c in sorted(set(g_clips)):
        tr = g_clips != c
        b, w = fit(GX[tr], gy[tr])
        gp[~tr] = 1 / (1 + np.exp(-(b + GX[~tr] @ w + GC[~tr] * crack_llr(tr)[0])))
    print("leave-one-clip-out, within the pool (crack term included):")
    for th in np.arange(0.3, 0.71, 0.1):
        tp = int(((gp >= th) & (gy == 1)).sum())
        fp = int(((gp >= th) & (gy == 0)).sum())
        fn = int(((gp < th) & (gy == 1)).sum())
        print(f"  threshold {th:.1f}: P {tp / max(tp + fp, 1):.3f} R {tp / max(tp + fn, 1):.3f} F1 {2 * tp / max(2 * tp + fp + fn, 1):.3f}")
    llr, (k1, n1, k0, n0) = crack_llr(np.ones(len(gy), dtype=bool))
    print(f"crack before the blast: {k1} of {n1} gunshots, {k0} of {n0} others; CRACK_LOG_LR = {llr:.3f}")
    b, w = fit(GX, gy)
    print("weights fitted on all (paste into src/features/classify.rs, TERMS = (weight, mean)):")
    print(f"  BIAS = {b:.3f}")
    for wi, mi in zip(w, GX.mean(0)):
        print(f"  ({wi:.3f}, {mi:.3f}),")


if __name__ == "__main__":
    main()
