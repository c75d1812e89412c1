#!/usr/bin/env python3
"""Writes Tests/MetricsTests/Fixtures/double_scores.json: scikit-learn's curves, AUC, average precision
and confusion matrices (at score > threshold and score >= threshold) for float64 scores, some of which
differ by less than float32 can tell apart, so a metric that rounds scores to Float fails the tests.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_double_score_fixtures.py

Scores are written with Python's repr, which round-trips float64 exactly.
"""
import json
import math
import os
import sys

import numpy as np
from sklearn import metrics

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MetricsTests", "Fixtures",
                   "double_scores.json")


def floats(values):
    """JSON cannot hold inf: write it as the string "inf" (the tests map it back)."""
    return [("inf" if math.isinf(v) and v > 0 else "-inf" if math.isinf(v) else float(v))
            for v in np.asarray(values, dtype=np.float64).reshape(-1)]


def case(name, labels, scores, threshold, must_differ_from_float32=True):
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    result = {"name": name, "labels": [int(v) for v in labels], "scores": floats(scores), "threshold": float(threshold)}
    for drop in (True, False):
        fpr, tpr, thresholds = metrics.roc_curve(labels, scores, drop_intermediate=drop)
        result[f"roc_{'drop' if drop else 'all'}"] = {"fpr": floats(fpr), "tpr": floats(tpr), "thresholds": floats(thresholds)}
        precision, recall, thresholds = metrics.precision_recall_curve(labels, scores, drop_intermediate=drop)
        result[f"pr_{'drop' if drop else 'all'}"] = {"precision": floats(precision), "recall": floats(recall),
                                                     "thresholds": floats(thresholds)}
    result["roc_auc"] = float(metrics.roc_auc_score(labels, scores))
    result["average_precision"] = float(metrics.average_precision_score(labels, scores))
    for key, predictions in (("confusion_matrix_greater", scores > threshold),
                             ("confusion_matrix_greater_or_equal", scores >= threshold)):
        result[key] = metrics.confusion_matrix(labels, predictions.astype(np.int64), labels=[0, 1]).tolist()
    # What the same scores give once rounded to float32: the tests must be able to tell the difference.
    rounded = scores.astype(np.float32)
    result["float32_roc_auc"] = float(metrics.roc_auc_score(labels, rounded))
    result["float32_average_precision"] = float(metrics.average_precision_score(labels, rounded))
    if must_differ_from_float32:
        assert result["float32_roc_auc"] != result["roc_auc"], name
        assert result["float32_average_precision"] != result["average_precision"], name
    assert result["confusion_matrix_greater"] != result["confusion_matrix_greater_or_equal"], name
    return result


def main():
    rng = np.random.default_rng(14)
    cases = [case("issue example", [0, 1], [0.3, 0.3 + 1e-9], 0.3 + 1e-9)]
    # Scores within 1e-7 of 0.5, where float32's spacing is 6e-8: they collapse into two or three values.
    labels = rng.binomial(1, 0.3, size=60)
    close = 0.5 + rng.uniform(0, 1e-7, size=60) + 2e-8 * labels
    close[::7] = close[3]  # some exact float64 ties too
    cases.append(case("below float32 resolution", labels, close, close[3]))
    # Rare events among reconstruction-error-like scores, each nudged by less than a float32 ulp.
    rare = rng.binomial(1, 0.05, size=400)
    rare[:2] = 1
    errors = np.repeat(rng.lognormal(mean=-1.2, sigma=0.9, size=100), 4)
    errors = errors + errors * 1e-9 * (rng.integers(0, 4, size=400) + 2 * rare)
    cases.append(case("ties broken below float32 resolution", rare, errors, errors[10]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    temporary = OUT + ".tmp"
    with open(temporary, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"), allow_nan=False)
    os.replace(temporary, OUT)
    print("wrote", os.path.relpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
