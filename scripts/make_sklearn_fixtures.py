#!/usr/bin/env python3
"""Writes the scikit-learn / pandas / numpy fixtures of the Preprocessing and Metrics tests.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_sklearn_fixtures.py

Outputs Tests/PreprocessingTests/Fixtures/preprocessing.json and Tests/MetricsTests/Fixtures/metrics.json.
Scores are float32 (what RareEventKit's reconstruction errors are), so ties and thresholds compare exactly.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests")


def write(path, payload):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
    os.replace(temporary, path)
    print("wrote", os.path.relpath(path), file=sys.stderr)


def floats(values):
    """JSON cannot hold inf: write it as the string "inf" (the tests map it back)."""
    return [("inf" if math.isinf(v) and v > 0 else "-inf" if math.isinf(v) else float(v))
            for v in np.asarray(values, dtype=np.float64).reshape(-1)]


# ---------------------------------------------------------------- preprocessing

def curve_shift(df, shift_by):
    """The reference articles' curve_shift, verbatim in substance."""
    sign = lambda x: (1, -1)[x < 0]
    vector = df["y"].copy()
    for _ in range(abs(shift_by)):
        tmp = vector.shift(sign(shift_by))
        tmp = tmp.fillna(0)
        vector += tmp
    df = df.copy()
    df.insert(loc=0, column="ytmp", value=vector)
    df = df.drop(df[df["y"] == 1].index)
    df = df.drop("y", axis=1).rename(columns={"ytmp": "y"})
    df.loc[df["y"] > 0, "y"] = 1
    return df


def temporalize(X, y, lookback):
    output_X, output_y = [], []
    for i in range(len(X) - lookback - 1):
        t = []
        for j in range(1, lookback + 1):
            t.append(X[[(i + j + 1)], :])
        output_X.append(t)
        output_y.append(y[i + lookback + 1])
    return np.squeeze(np.array(output_X), axis=2), np.array(output_y)


def preprocessing(rng):
    curve = []
    for labels, shift in [([0, 0, 0, 1, 0, 0, 0, 0, 1, 0], -2), ([0, 1, 1, 0, 0, 0, 1], -2),
                          ([1, 0, 0, 0, 1], -1), ([0, 0, 1, 0, 0, 0, 0, 1, 0, 0], 3),
                          ([0, 0, 0, 0, 0, 1], -5), (list(rng.binomial(1, 0.08, size=60)), -2)]:
        df = pd.DataFrame({"y": labels, "x": np.arange(len(labels))})
        shifted = curve_shift(df, shift)
        curve.append({"labels": [int(v) for v in labels], "shift": shift,
                      "shifted": [int(v) for v in shifted["y"]], "kept_rows": [int(v) for v in shifted["x"]]})

    x = rng.normal(size=(12, 3)).astype(np.float32)
    y = list(range(12))
    windows, window_labels = temporalize(x, y, 4)
    temporal = {"x": floats(x), "rows": 12, "features": 3, "lookback": 4,
                "windows_shape": list(windows.shape), "windows": floats(windows),
                "labels": [int(v) for v in window_labels]}

    splits = []
    for n, test_size, seed in [(10, 0.2, 0), (18_268, 0.2, 123), (14_614, 0.2, 123), (18_274, 0.2, 123),
                               (4_998, 0.2, 21), (7, 0.3, 42), (100, 0.25, 4_294_967_295)]:
        train, test = train_test_split(np.arange(n), test_size=test_size, random_state=seed)
        splits.append({"count": n, "test_size": test_size, "random_state": seed,
                       "train": [int(v) for v in train], "test": [int(v) for v in test]})

    data = np.column_stack([rng.normal(3, 2, size=20), rng.uniform(-1, 5, size=20), np.full(20, 7.25),
                            rng.normal(-1e3, 1e-2, size=20)]).astype(np.float32)
    other = rng.normal(size=(5, 4)).astype(np.float32)
    standard = StandardScaler().fit(data.astype(np.float64))
    minmax = MinMaxScaler().fit(data.astype(np.float64))
    minmax_range = MinMaxScaler(feature_range=(-1, 1)).fit(data.astype(np.float64))
    scalers = {"fit": floats(data), "fit_shape": list(data.shape), "other": floats(other),
               "standard_mean": floats(standard.mean_), "standard_scale": floats(standard.scale_),
               "standard_other": floats(standard.transform(other.astype(np.float64))),
               "minmax_other": floats(minmax.transform(other.astype(np.float64))),
               "minmax_pm1_other": floats(minmax_range.transform(other.astype(np.float64)))}
    write("PreprocessingTests/Fixtures/preprocessing.json",
          {"curve_shift": curve, "temporalize": temporal, "splits": splits, "scalers": scalers})


# ---------------------------------------------------------------- metrics

def curve_case(name, labels, scores, threshold):
    labels = np.asarray(labels, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float32)
    case = {"name": name, "labels": [int(v) for v in labels], "scores": floats(scores), "threshold": float(np.float32(threshold))}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        predictions = (scores > np.float32(threshold)).astype(np.int64)
        case["confusion_matrix"] = metrics.confusion_matrix(labels, predictions, labels=[0, 1]).tolist()
        case["accuracy"] = float(metrics.accuracy_score(labels, predictions))
        case["precision"] = float(metrics.precision_score(labels, predictions, zero_division=0))
        case["recall"] = float(metrics.recall_score(labels, predictions, zero_division=0))
        case["f1"] = float(metrics.f1_score(labels, predictions, zero_division=0))
        if len(np.unique(labels)) == 2:
            case["report"] = metrics.classification_report(labels, predictions, labels=[0, 1], zero_division=0)
            case["report_digits4_named"] = metrics.classification_report(
                labels, predictions, labels=[0, 1], target_names=["normal", "sheet break"], digits=4, zero_division=0)
            for drop in (True, False):
                fpr, tpr, thresholds = metrics.roc_curve(labels, scores, drop_intermediate=drop)
                case[f"roc_{'drop' if drop else 'all'}"] = {"fpr": floats(fpr), "tpr": floats(tpr), "thresholds": floats(thresholds)}
                precision, recall, thresholds = metrics.precision_recall_curve(labels, scores, drop_intermediate=drop)
                case[f"pr_{'drop' if drop else 'all'}"] = {"precision": floats(precision), "recall": floats(recall),
                                                             "thresholds": floats(thresholds)}
            case["roc_auc"] = float(metrics.roc_auc_score(labels, scores))
            case["average_precision"] = float(metrics.average_precision_score(labels, scores))
            precision, recall, thresholds = metrics.precision_recall_curve(labels, scores)
            gap = np.abs(precision[:-1] - recall[:-1])
            case["threshold_precision_equals_recall"] = float(thresholds[np.argmin(gap)])
            f1 = np.where(precision[:-1] + recall[:-1] > 0,
                          2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-300), 0)
            case["threshold_max_f1"] = float(thresholds[np.argmax(f1)])
        else:
            # sklearn only warns here (roc_auc_score returns NaN); RareEventKit throws.
            case["roc_auc_is_nan"] = bool(np.isnan(metrics.roc_auc_score(labels, scores)))
            case["single_class"] = int(labels[0])
    normal = scores[labels == 0].astype(np.float64)
    if normal.size:
        case["threshold_mean_plus_std"] = float(np.mean(normal) + np.std(normal))
    return case


def metrics_fixtures(rng):
    cases = [curve_case("sklearn doc example", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.375)]
    labels = rng.binomial(1, 0.3, size=40)
    cases.append(curve_case("ties", labels, np.round(rng.uniform(0, 1, size=40) + 0.3 * labels, 1), 0.5))
    cases.append(curve_case("all scores equal", [0, 1, 0, 1, 1], [0.5] * 5, 0.4))
    cases.append(curve_case("perfect", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.9], 0.5))
    cases.append(curve_case("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.8], 0.25))
    rare = rng.binomial(1, 0.02, size=1500)
    errors = rng.lognormal(mean=-1.2 + 0.8 * rare, sigma=0.9).astype(np.float32)
    cases.append(curve_case("rare events", rare, errors, 0.3))
    cases.append(curve_case("only normal", [0, 0, 0], [0.1, 0.2, 0.3], 0.15))
    cases.append(curve_case("only events", [1, 1], [0.1, 0.2], 0.15))
    write("MetricsTests/Fixtures/metrics.json", {"cases": cases,
          "auc": {"x": [0, 0.1, 0.1, 0.5, 1], "y": [0, 0.4, 0.6, 0.7, 1.0],
                  "area": float(metrics.auc([0, 0.1, 0.1, 0.5, 1], [0, 0.4, 0.6, 0.7, 1.0])),
                  "decreasing_area": float(metrics.auc([1, 0.5, 0], [1, 0.5, 0]))}})


if __name__ == "__main__":
    rng = np.random.default_rng(4)
    preprocessing(rng)
    metrics_fixtures(np.random.default_rng(5))
