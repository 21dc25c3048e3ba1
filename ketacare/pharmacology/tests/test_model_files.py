"""One published model, one file: models/<id>.py holds its parameters, structure and registry entry."""

from __future__ import annotations

import importlib
from pathlib import Path

from ketacare.pharmacology import MODELS
from ketacare.pharmacology.sources import SOURCES

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


def test_every_model_file_holds_the_registry_entry_named_by_its_file() -> None:
    files = sorted(
        p.stem for p in MODELS_DIR.glob("*.py") if not p.stem.startswith("_") and p.stem != "evidence"
    )
    assert sorted(m.replace("-", "_") for m in MODELS) == files
    for stem in files:
        module = importlib.import_module(f"ketacare.pharmacology.models.{stem}")
        assert MODELS[module.MODEL.id] is module.MODEL
        assert module.MODEL.id.replace("-", "_") == stem


def test_every_parameter_names_a_known_source_and_says_whether_it_was_verified() -> None:
    for model in MODELS.values():
        for name, param in model.params.items():
            assert param.source in SOURCES, (model.id, name)
            assert isinstance(param.verified, bool), (model.id, name)
