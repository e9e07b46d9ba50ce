"""Train the shipped check-worthiness model and compare it with a ClaimBuster-style baseline.

    .venv/bin/python benchmarks/train_checkworthiness.py [--data PATH] [--output PATH] [--folds 5]

Needs the `train` extra (scikit-learn). Runs stratified k-fold cross-validation on the ClaimBuster training split
and prints F1 on the positive (check-worthy) class for:
  * baseline: word unigram TF-IDF + LinearSVC, the ClaimBuster-style SVM baseline;
  * ours: word 1-2-gram + char_wb 2-5-gram TF-IDF + hand features, class-balanced logistic regression, with the
    decision taken as Platt-scaled probability >= 0.5 (Platt fitted on training folds only, from inner
    out-of-fold decision values), i.e. exactly the rule the shipped scorer applies.
Then fits on all data and writes `workbench/extract/checkworthiness_model.json.gz` (numpy-only inference).

Dataset: Arslan, Hassan, Li, Tremayne, "A Benchmark Dataset of Check-worthy Factual Claims", ICWSM 2020;
data from utaresearch/claimbuster-spotter (GPL-3.0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

try:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("scikit-learn is needed to train: pip install -e '.[train]'")

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from workbench.extract.checkworthiness import (  # noqa: E402
    HAND_FEATURE_NAMES,
    MODEL_FORMAT,
    MODEL_PATH,
    CheckworthinessModel,
    hand_features,
)

# The project's shared data sits beside the repository.
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "claimbuster" / "train.json"
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
# min_df=2 keeps the shipped file small (singleton n-grams carry almost no weight after regularisation).
MIN_DOCUMENT_FREQUENCY = 2
REGULARISATION_C = 5.0
RANDOM_STATE = 0


class CheckworthinessClassifier:
    """The model we ship, as a small scikit-learn composition that can be exported."""

    def __init__(self) -> None:
        self.word_vectorizer = TfidfVectorizer(
            analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True, min_df=MIN_DOCUMENT_FREQUENCY
        )
        self.char_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=MIN_DOCUMENT_FREQUENCY
        )
        self.classifier = LogisticRegression(
            C=REGULARISATION_C, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE
        )
        self.platt_slope = 1.0
        self.platt_intercept = 0.0

    def _features(self, sentences: list[str], fit: bool):
        if fit:
            word = self.word_vectorizer.fit_transform(sentences)
            char = self.char_vectorizer.fit_transform(sentences)
        else:
            word = self.word_vectorizer.transform(sentences)
            char = self.char_vectorizer.transform(sentences)
        hand = csr_matrix(np.array([hand_features(sentence) for sentence in sentences], dtype=np.float64))
        return hstack([word, char, hand]).tocsr()

    def fit(self, sentences: list[str], labels: np.ndarray, calibration_folds: int = 5) -> CheckworthinessClassifier:
        # Platt scaling needs decision values the classifier did not train on: inner out-of-fold predictions.
        inner = StratifiedKFold(calibration_folds, shuffle=True, random_state=RANDOM_STATE)
        held_out_decisions = np.zeros(len(sentences))
        for train_index, test_index in inner.split(sentences, labels):
            fold_model = CheckworthinessClassifier()
            train_features = fold_model._features([sentences[i] for i in train_index], True)
            fold_model.classifier.fit(train_features, labels[train_index])
            held_out_decisions[test_index] = fold_model.classifier.decision_function(
                fold_model._features([sentences[i] for i in test_index], False)
            )
        self.classifier.fit(self._features(sentences, True), labels)
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(held_out_decisions.reshape(-1, 1), labels)
        self.platt_slope = float(platt.coef_[0][0])
        self.platt_intercept = float(platt.intercept_[0])
        return self

    def decision_function(self, sentences: list[str]) -> np.ndarray:
        return self.classifier.decision_function(self._features(sentences, False))

    def predict_proba(self, sentences: list[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.platt_slope * self.decision_function(sentences) + self.platt_intercept)))

    def export(self, training_size: int, cv_f1: float | None) -> dict:
        coefficients = self.classifier.coef_[0]
        blocks = []
        offset = 0
        for vectorizer, analyzer, ngram_range in (
            (self.word_vectorizer, "word", WORD_NGRAMS),
            (self.char_vectorizer, "char_wb", CHAR_NGRAMS),
        ):
            vocabulary = vectorizer.get_feature_names_out().tolist()
            # Recover integer document frequencies from idf_ (smooth idf) so the file stores small integers.
            idf = vectorizer.idf_
            document_frequency = np.rint((1 + training_size) / np.exp(idf - 1.0) - 1).astype(int)
            block_coefficients = coefficients[offset : offset + len(vocabulary)]
            offset += len(vocabulary)
            blocks.append(
                {
                    "analyzer": analyzer,
                    "ngram_range": list(ngram_range),
                    "n_documents": training_size,
                    "vocabulary": vocabulary,
                    "document_frequency": document_frequency.tolist(),
                    "coefficients": [float(f"{value:.6g}") for value in block_coefficients],
                }
            )
        hand_coefficients = coefficients[offset:]
        assert len(hand_coefficients) == len(HAND_FEATURE_NAMES)
        return {
            "format": MODEL_FORMAT,
            "blocks": blocks,
            "hand_features": list(HAND_FEATURE_NAMES),
            "hand_coefficients": [float(f"{value:.6g}") for value in hand_coefficients],
            "intercept": float(self.classifier.intercept_[0]),
            "platt": {"slope": self.platt_slope, "intercept": self.platt_intercept},
            "metadata": {
                "trained_on": "ClaimBuster two_class/train.json (Arslan et al., ICWSM 2020; GPL-3.0)",
                "training_sentences": training_size,
                "cross_validated_f1_positive": cv_f1,
                "classifier": f"LogisticRegression(C={REGULARISATION_C}, class_weight=balanced)",
            },
        }


def baseline_pipeline():
    """ClaimBuster-style SVM baseline: word unigram TF-IDF and a linear SVM."""
    return make_pipeline(TfidfVectorizer(), LinearSVC(random_state=RANDOM_STATE))


def cross_validate(sentences: list[str], labels: np.ndarray, folds: int) -> tuple[dict[str, float], dict[str, float]]:
    splitter = StratifiedKFold(folds, shuffle=True, random_state=RANDOM_STATE)
    baseline_predictions = cross_val_predict(baseline_pipeline(), sentences, labels, cv=splitter)
    our_predictions = np.zeros(len(sentences), dtype=int)
    for train_index, test_index in splitter.split(sentences, labels):
        model = CheckworthinessClassifier().fit([sentences[i] for i in train_index], labels[train_index])
        probabilities = model.predict_proba([sentences[i] for i in test_index])
        our_predictions[test_index] = (probabilities >= 0.5).astype(int)

    def summary(predictions: np.ndarray) -> dict[str, float]:
        return {
            "f1": float(f1_score(labels, predictions)),
            "precision": float(precision_score(labels, predictions)),
            "recall": float(recall_score(labels, predictions)),
        }

    return summary(baseline_predictions), summary(our_predictions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-cv", action="store_true", help="only fit and export")
    arguments = parser.parse_args()

    records = json.loads(arguments.data.read_text(encoding="utf-8"))
    sentences = [record["text"] for record in records]
    labels = np.array([int(record["label"]) for record in records])
    print(f"{len(sentences)} sentences, {int(labels.sum())} check-worthy; {arguments.folds}-fold stratified CV")

    cv_f1: float | None = None
    if not arguments.skip_cv:
        started = time.perf_counter()
        baseline, ours = cross_validate(sentences, labels, arguments.folds)
        cv_f1 = ours["f1"]
        print(f"{'model':<58} {'F1(pos)':>8} {'P':>6} {'R':>6}")
        for name, figures in (
            ("baseline: word TF-IDF + LinearSVC", baseline),
            ("ours: word1-2+char2-5 TF-IDF+hand, LR, Platt p>=0.5", ours),
        ):
            print(f"{name:<58} {figures['f1']:>8.4f} {figures['precision']:>6.3f} {figures['recall']:>6.3f}")
        print(f"(cross-validation took {time.perf_counter() - started:.0f} s)")

    model = CheckworthinessClassifier().fit(sentences, labels)
    payload = model.export(len(sentences), cv_f1)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(arguments.output, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(payload, handle, separators=(",", ":"), ensure_ascii=False)
    print(f"wrote {arguments.output} ({arguments.output.stat().st_size / 1e6:.2f} MB)")

    # The exported numpy-only model must reproduce scikit-learn's probabilities.
    exported = CheckworthinessModel.load(arguments.output)
    sample = sentences[:300]
    expected = model.predict_proba(sample)
    observed = np.array([exported.probability(sentence) for sentence in sample])
    worst = float(np.max(np.abs(expected - observed)))
    print(f"numpy inference vs scikit-learn on {len(sample)} sentences: max |diff| = {worst:.2e}")
    if worst > 1e-4:
        sys.exit("exported model does not reproduce scikit-learn's scores")


if __name__ == "__main__":
    main()
