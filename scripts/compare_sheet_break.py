#!/usr/bin/env python3
"""The sheet-break model comparison of the README: dense, LSTM, GRU, Conv1D and bidirectional-LSTM autoencoders.

Every run is `sheet-break` (release build) with the articles' protocol: curve shift -2, the two-level
scikit-learn split (random_state 123), scaling fitted on the normal training samples, training on normal
data only, Adam, MSE, at most 200 epochs with early stopping on val_loss (best weights restored).

1. Selection, on the validation split only: for each model, every configuration of the grid (window
   length, scaling, window scoring) is trained with the selection seed; the configuration with the best
   validation ROC AUC is kept. The test split is never read to choose.
2. Report: the kept configuration of each model is trained with seeds 1-5; test ROC AUC and average
   precision, mean ± sample standard deviation.

    swift build -c release --product sheet-break
    python3 scripts/compare_sheet_break.py --data ../shared/data/sheet-break.csv --output comparison

Standard library only. Writes <output>/runs.csv (one line per run) and <output>/table.md, and resumes:
a run already in runs.csv is not repeated.
"""
import argparse
import csv
import itertools
import os
import re
import statistics
import subprocess
import sys

MODELS = ["dense", "lstm", "gru", "conv1d", "bilstm"]
LOOKBACKS = [5, 10]
SCALINGS = ["standard", "minmax"]
SCORES = ["last", "window"]
FIELDS = ["phase", "model", "lookback", "scaling", "score", "seed", "epochs", "val_auc", "val_ap",
          "test_auc", "test_ap", "seconds_per_epoch"]


def grid(model):
    if model == "dense":  # one row per sample: no window length, nothing but the row to score
        return [(1, scaling, "last") for scaling in SCALINGS]
    return list(itertools.product(LOOKBACKS, SCALINGS, SCORES))


def run(binary, data, output, model, lookback, scaling, score, seed, patience, max_epochs):
    arguments = [binary, "--data", data, "--model", model, "--scaling", scaling, "--seed", str(seed),
                 "--epochs", str(max_epochs), "--early-stopping", str(patience), "--quiet",
                 "--output", os.path.join(output, "last-run-" + model)]
    if model != "dense":
        arguments += ["--lookback", str(lookback), "--score", score]
    text = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout
    val = re.search(r"validation ROC AUC ([0-9.]+)\s+AP ([0-9.]+)", text)
    test = re.search(r"ROC AUC ([0-9.]+)\s+AP ([0-9.]+)$", text.split("test:")[-1], re.MULTILINE)
    timing = re.search(r"([0-9.]+) s per epoch, (\d+) epochs", text)
    if not (val and test):
        sys.exit("could not read the figures of: " + " ".join(arguments) + "\n" + text)
    return {"val_auc": val[1], "val_ap": val[2], "test_auc": test[1], "test_ap": test[2],
            "epochs": timing[2] if timing else "", "seconds_per_epoch": timing[1] if timing else ""}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--output", default="comparison")
    parser.add_argument("--binary", default=".build/release/sheet-break")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--selection-seed", type=int, default=1)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--max-epochs", type=int, default=200)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "runs.csv")
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for row in csv.DictReader(f):
                done[(row["phase"], row["model"], row["lookback"], row["scaling"], row["score"], row["seed"])] = row

    def measured(phase, model, lookback, scaling, score, seed):
        key = (phase, model, str(lookback), scaling, score, str(seed))
        if key not in done:
            figures = run(args.binary, args.data, args.output, model, lookback, scaling, score, seed, args.patience,
                          args.max_epochs)
            row = dict(zip(FIELDS[:6], key)) | figures
            new = not os.path.exists(path)
            with open(path, "a", newline="") as f:
                writer = csv.DictWriter(f, FIELDS)
                if new:
                    writer.writeheader()
                writer.writerow(row)
            done[key] = row
            print(phase, model, lookback, scaling, score, seed, "val AUC", row["val_auc"], "test AUC",
                  row["test_auc"], flush=True)
        return done[key]

    lines = ["| model | kept configuration (best validation ROC AUC, seed %d) | validation ROC AUC | "
             "test ROC AUC | test AP | epochs (early stopping) |" % args.selection_seed,
             "| --- | --- | --- | --- | --- | --- |"]
    seeds = [int(s) for s in args.seeds.split(",")]
    for model in args.models.split(","):
        candidates = [(float(measured("select", model, *c, args.selection_seed)["val_auc"]), c) for c in grid(model)]
        _, (lookback, scaling, score) = max(candidates)
        # The selection run is the report's run for the selection seed: same command, same result.
        rows = [measured("select" if seed == args.selection_seed else "report", model, lookback, scaling, score,
                         seed) for seed in seeds]

        def summary(field):
            values = [float(r[field]) for r in rows]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            return "%.3f ± %.3f" % (statistics.mean(values), sd)

        described = f"scaling {scaling}" if model == "dense" else f"lookback {lookback}, {scaling}, score {score}"
        counts = sorted(int(r["epochs"]) for r in rows)
        epochs = f"{counts[0]}–{counts[-1]}"
        lines.append(f"| {model} | {described} | {summary('val_auc')} | **{summary('test_auc')}** | "
                     f"{summary('test_ap')} | {epochs} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.output, "table.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
