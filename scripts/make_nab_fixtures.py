#!/usr/bin/env python3
"""Writes the NAB scorer fixtures of Tests/MetricsTests/Fixtures/ with NAB's own code.

Usage:
    git clone https://github.com/numenta/NAB /tmp/NAB   # or any checkout of commit ea702d7
    python3 scripts/make_nab_fixtures.py --nab /tmp/NAB --data ../shared/data/nab

NAB's code is imported from --nab (nab/sweeper.py is plain Python 3 and needs no shim); it is not copied
into this repository. Two fixtures come out:

- nab.json: synthetic files (row numbers as timestamps) and three real NAB files (their real windows and
  timestamps, synthetic seeded anomaly scores), scored by nab.sweeper.Sweeper for each profile of
  config/profiles.json exactly as nab/optimizer.py (threshold over the pooled corpus), nab/scorer.py
  (per-file score at that threshold) and nab/runner.py normalize (null detector = constant 0.5,
  optimised and scored the same way; perfect = windows * tpWeight) do.
- nab_published.json: NAB's published "numenta" detector reduced to the rows it detects at its published
  thresholds (config/thresholds.json), with the published raw and normalised scores
  (results/final_results.json), so a test can rescore it on the real corpus without 20 MB of CSVs.
"""
import argparse
import json
import os
import random
import sys

import pandas


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nab", required=True, help="a checkout of github.com/numenta/NAB")
    parser.add_argument("--data", required=True, help="the NAB corpus folder (data/, labels/)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "MetricsTests", "Fixtures"))
    args = parser.parse_args()
    sys.path.insert(0, args.nab)
    from nab.sweeper import Sweeper  # NAB's scorer
    from nab.util import strp

    with open(os.path.join(args.nab, "config", "profiles.json")) as f:
        profiles = json.load(f)
    with open(os.path.join(args.data, "labels", "combined_windows.json")) as f:
        combined_windows = json.load(f)

    rng = random.Random(20240613)
    files = []  # name, timestamps (NAB's), windows (as timestamps), scores, window rows

    def synthetic(name, n, windows, scores):
        files.append(dict(name=name, timestamps=list(range(n)), windows=[tuple(w) for w in windows],
                          window_rows=[list(w) for w in windows], scores=scores))

    def noisy(n, spikes):
        scores = [round(rng.random() * 0.5, 2) for _ in range(n)]
        for row, value in spikes.items():
            scores[row] = value
        scores[-1] = 0.0  # every file holds the corpus minimum (NAB's scoreDataSet fails otherwise)
        return scores

    # Two windows, ties (two decimals), detections before, inside and after windows.
    synthetic("synthetic/two_windows.csv", 60, [(20, 27), (40, 43)],
              noisy(60, {15: 0.9, 22: 0.8, 24: 0.95, 30: 0.7, 41: 0.8, 44: 0.8, 55: 0.6}))
    # A window that starts inside the probation period (floor(0.15 * 30) = 4 rows).
    synthetic("synthetic/window_in_probation.csv", 30, [(2, 8)], noisy(30, {1: 0.99, 3: 0.9, 6: 0.75, 20: 0.75}))
    # No windows: every detection is a false positive worth -fpWeight.
    synthetic("synthetic/no_windows.csv", 25, [], noisy(25, {10: 0.9, 11: 0.9}))
    # A window ending at the last row and one at the first scored row.
    synthetic("synthetic/edge_windows.csv", 40, [(6, 9), (35, 39)], noisy(40, {6: 0.85, 39: 0.85, 38: 0.3}))
    synthetic("synthetic/constant.csv", 30, [(10, 14)], [0.5] * 29 + [0.0])

    for name in ["realAdExchange/exchange-2_cpc_results.csv", "realAdExchange/exchange-3_cpc_results.csv",
                 "artificialWithAnomaly/art_daily_jumpsup.csv"]:
        data = pandas.read_csv(os.path.join(args.data, "data", name), header=0, parse_dates=[0])
        timestamps = list(data["timestamp"])
        windows = [(strp(a), strp(b)) for a, b in combined_windows[name]]
        rows = [[timestamps.index(a), timestamps.index(b)] for a, b in windows]
        spikes = {}
        for a, b in rows:
            for offset in (-30, 3, (b - a) // 2, b - a + 20):
                if 0 <= a + offset < len(timestamps):
                    spikes[a + offset] = round(0.6 + 0.4 * rng.random(), 3)
        scores = [round(rng.random() * 0.55, 3) for _ in timestamps]
        for row, value in spikes.items():
            scores[row] = value
        scores[-1] = 0.0
        files.append(dict(name=name, timestamps=timestamps, windows=windows, window_rows=rows, scores=scores))

    results = {}
    for profile_name, profile in profiles.items():
        sweeper = Sweeper(probationPercent=0.15, costMatrix=profile["CostMatrix"])

        def optimise(corpus_scores):
            rows = []
            for f, scores in zip(files, corpus_scores):
                rows.extend(sweeper.calcSweepScore(f["timestamps"], scores, f["windows"], f["name"]))
            by_threshold = sweeper.calcScoreByThreshold(rows)
            best = sorted(by_threshold, key=lambda x: x.score, reverse=True)[0]
            return best

        def score_files(corpus_scores, threshold):
            return [sweeper.scoreDataSet(f["timestamps"], scores, f["windows"], f["name"], threshold)[1]
                    for f, scores in zip(files, corpus_scores)]

        detector = [f["scores"] for f in files]
        best = optimise(detector)
        per_file = score_files(detector, best.threshold)
        raw = sum(row.score for row in per_file)
        null_scores = [[0.5] * len(f["scores"]) for f in files]
        null_best = optimise(null_scores)
        null = sum(row.score for row in score_files(null_scores, null_best.threshold))
        perfect = sum(len(f["windows"]) for f in files) * profile["CostMatrix"]["tpWeight"]
        per_file_sweeps = []
        for f in files:
            weights, _ = sweeper.scoreDataSet(f["timestamps"], f["scores"], f["windows"], f["name"], best.threshold)
            by_threshold = sweeper.calcScoreByThreshold(
                sweeper.calcSweepScore(f["timestamps"], f["scores"], f["windows"], f["name"]))
            fixed = {}
            for t in (0.3, 0.5, 0.8, 0.95):
                row = sweeper.scoreDataSet(f["timestamps"], f["scores"], f["windows"], f["name"], t)[1]
                fixed[str(t)] = row.score
            per_file_sweeps.append(dict(
                row_weights=weights if len(weights) <= 100 else None,
                threshold_scores=[[r.threshold, r.score, r.tp, r.tn, r.fp, r.fn] for r in by_threshold]
                if len(by_threshold) <= 100 else None,
                fixed_threshold_scores=fixed))
        results[profile_name] = dict(
            threshold=best.threshold, pooled_score=best.score,
            file_scores=[[r.score, r.tp, r.tn, r.fp, r.fn] for r in per_file],
            raw=raw, null=null, perfect=perfect, normalized=100 * (raw - null) / (perfect - null),
            files=per_file_sweeps)

    fixture = dict(
        source="scripts/make_nab_fixtures.py with numenta/NAB nab/sweeper.py",
        files=[dict(name=f["name"], row_count=len(f["scores"]), windows=f["window_rows"], scores=f["scores"],
                    real=not f["name"].startswith("synthetic/")) for f in files],
        profiles={name: dict(tp=p["CostMatrix"]["tpWeight"], fp=p["CostMatrix"]["fpWeight"],
                             fn=p["CostMatrix"]["fnWeight"], **results[name]) for name, p in profiles.items()})
    with open(os.path.join(args.out, "nab.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")

    # The published numenta detector, reduced to its detections at the published thresholds.
    with open(os.path.join(args.nab, "config", "thresholds.json")) as f:
        thresholds = json.load(f)
    with open(os.path.join(args.nab, "results", "final_results.json")) as f:
        final = json.load(f)
    published = dict(source="numenta/NAB results/, config/thresholds.json, results/final_results.json", detectors={})
    for detector in ["numenta", "null"]:
        entry = dict(profiles={}, detections={})
        for profile_name in profiles:
            t = thresholds[detector][profile_name]
            entry["profiles"][profile_name] = dict(threshold=t["threshold"], raw=t["score"],
                                                   normalized=final[detector][profile_name])
        for t in sorted({p["threshold"] for p in entry["profiles"].values()}):
            detections = {}
            for name in sorted(combined_windows):
                folder, file = name.split("/")
                path = os.path.join(args.nab, "results", detector, folder, "%s_%s" % (detector, file))
                scores = pandas.read_csv(path, header=0)["anomaly_score"]
                detections[name] = [int(i) for i in scores.index[scores >= t]]
            entry["detections"][repr(t)] = detections
        published["detectors"][detector] = entry
    with open(os.path.join(args.out, "nab_published.json"), "w") as f:
        json.dump(published, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
