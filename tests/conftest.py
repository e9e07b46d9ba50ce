from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from workbench.ingest import ingest_paths
from workbench.store import Store, open_store

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the seed articles (tests may add files beside them)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workbench.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with open_store(db_path) as opened:
        yield opened


@pytest.fixture
def seeded_store(store: Store, seeds_dir: Path) -> Store:
    report = ingest_paths(store, [seeds_dir])
    assert report.ok, report.failed
    return store


@pytest.fixture(scope="session")
def benchmark_corpus() -> ModuleType:
    """benchmarks/corpus.py (not a package): the synthetic article generator the benchmarks use."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "corpus.py"
    spec = importlib.util.spec_from_file_location("benchmark_corpus", path)
    assert spec is not None and spec.loader is not None
    module = sys.modules.get("benchmark_corpus") or importlib.util.module_from_spec(spec)
    if "benchmark_corpus" not in sys.modules:
        sys.modules["benchmark_corpus"] = module
        spec.loader.exec_module(module)
    return module


def write_articles(folder: Path, corpus: ModuleType, size: int, seed: int) -> Path:
    """`size` generated articles (benchmarks/corpus.py) as files in a new `folder`."""
    folder.mkdir()
    for name, text in corpus.generate_corpus(size, seed=seed):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def two_batches(tmp_path: Path, benchmark_corpus: ModuleType) -> tuple[Path, Path]:
    """Articles of a few stories, and more reports of the same stories (new articles, not copies)."""
    return (
        write_articles(tmp_path / "first", benchmark_corpus, 30, seed=5),
        write_articles(tmp_path / "second", benchmark_corpus, 12, seed=1005),
    )


@pytest.fixture
def first_batch_store(store: Store, two_batches: tuple[Path, Path]) -> Store:
    """A store holding the first of `two_batches`, ingested in one process."""
    assert ingest_paths(store, [two_batches[0]], pipeline=False).ok
    return store
