"""Comparing a candidate model with the model in use on the same held-out rows, and the frozen
corpus split those rows come from.

The frozen split is bucket 0 of FROZEN_MOD of the near-duplicate clusters of the corpus texts
alone (classifiers.corpus.split_buckets, `cluster`, salt FROZEN_SALT): it depends on the
corpus only, so every retrain holds the same rows out, and no near-copy of a held-out row is
trained on.

A candidate is *worse* than the baseline on one set of rows when either
- its flagged F1 (label != legit) is lower by more than F1_TOLERANCE or by more than one
  flagged row's worth (1 / flagged rows), whichever is more, or
- it flags a larger share of the set's legit rows, by more than LEGIT_FLAGGED_TOLERANCE or by
  more than one row, whichever is more (on 40 legit rows one row is 2.5%: noise, not a change).
A set without rows, or without legit rows for the second test, is not compared on it.
"""
from __future__ import annotations

from classifiers.corpus import split_buckets
from classifiers.evaluate import prf

FROZEN_MOD = 10
FROZEN_SALT = "|frozen"
F1_TOLERANCE = 0.01
LEGIT_FLAGGED_TOLERANCE = 0.005


def frozen_split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(rows to train on, rows held out) of corpus rows: the frozen split (module docstring)."""
    if not rows:
        return [], []
    buckets = split_buckets([r["text"] for r in rows], FROZEN_MOD, "cluster", salt=FROZEN_SALT)
    return [r for r, b in zip(rows, buckets) if b != 0], [r for r, b in zip(rows, buckets) if b == 0]


def score_rows(model, rows: list[dict]) -> dict:
    """Flagged precision/recall/F1 and the share of legit rows flagged, of `model` on `rows`."""
    import numpy as np

    results = model.classify_many([r["text"] for r in rows]) if rows else []
    truth = np.array([r["label"] != "legit" for r in rows], dtype=bool)
    flagged = np.array([res["label"] != "legit" for res in results], dtype=bool)
    legit = int((~truth).sum())
    return {"rows": len(rows), "flagged": prf(truth, flagged), "legit_rows": legit,
            "legit_flagged": round(float((flagged & ~truth).sum()) / legit, 4) if legit else None}


def worse(candidate: dict, baseline: dict) -> list[str]:
    """Why the candidate's scores are worse than the baseline's on one set (empty: not worse)."""
    reasons = []
    if not candidate["rows"]:
        return reasons
    f1_new, f1_old = candidate["flagged"]["f1"], baseline["flagged"]["f1"]
    support = candidate["flagged"]["support"]
    f1_allowed = max(F1_TOLERANCE, 1.0 / support) if support else F1_TOLERANCE
    if f1_new < f1_old - f1_allowed - 1e-9:
        reasons.append(f"flagged F1 {f1_new} < {f1_old} - {round(f1_allowed, 4)}")
    legit = candidate["legit_rows"]
    if legit and candidate["legit_flagged"] is not None and baseline["legit_flagged"] is not None:
        allowed = max(LEGIT_FLAGGED_TOLERANCE, 1.0 / legit)
        if candidate["legit_flagged"] > baseline["legit_flagged"] + allowed + 1e-9:
            reasons.append(f"legit flagged {candidate['legit_flagged']} > {baseline['legit_flagged']} "
                           f"+ {round(allowed, 4)}")
    return reasons


def compare(candidate, baselines: dict[str, object], sets: dict[str, list[dict]]) -> dict:
    """The candidate against each set's baseline model on that set's rows: both scores, the
    reasons it is worse, and `not_worse` over all sets."""
    out: dict = {"rule": {"f1_tolerance": F1_TOLERANCE, "legit_flagged_tolerance": LEGIT_FLAGGED_TOLERANCE,
                          "at_least_one_row": True}, "sets": {}}
    for name, rows in sets.items():
        new, old = score_rows(candidate, rows), score_rows(baselines[name], rows)
        out["sets"][name] = {"candidate": new, "baseline": old, "worse": worse(new, old)}
    out["not_worse"] = not any(entry["worse"] for entry in out["sets"].values())
    return out
