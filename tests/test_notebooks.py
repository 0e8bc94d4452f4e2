"""Notebook hygiene: papermill's `parameters` tag survives nbdev_clean, and every profile fits its notebooks."""
import json, shutil, subprocess, sys
from pathlib import Path

import pytest
from nbdev.clean import clean_nb

from tf3ro.pipeline import STAGES, available_profiles, load_profile, notebook_parameters

ROOT = Path(__file__).resolve().parents[1]


def tags_of_parameters_cell(nb: dict) -> list:
    return [c["metadata"].get("tags", []) for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]


def test_parameters_tag_survives_nbdev_clean(tmp_path):
    "nbdev_clean with this project's settings.ini keeps the tag; without `allowed_cell_metadata_keys` it would not."
    for stage in STAGES.values():
        copy = tmp_path / Path(stage.notebook).name
        shutil.copy(ROOT / stage.notebook, copy)
        subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(copy)], cwd=ROOT, check=True)
        assert tags_of_parameters_cell(json.loads(copy.read_text())) == [["parameters"]], stage.notebook
    nb = json.loads((ROOT / STAGES["data"].notebook).read_text())
    clean_nb(nb, allowed_cell_metadata_keys=[])      # the nbdev default: the tag is lost
    assert tags_of_parameters_cell(nb) == []


def test_parameters_are_typed_and_documented():
    for stage in STAGES.values():
        nb = json.loads((ROOT / stage.notebook).read_text())
        cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        lines = [l for l in "".join(cell["source"]).splitlines() if l.strip()]
        assert all(":" in l.split("=")[0] and "#" in l for l in lines), f"{stage.notebook}: untyped or undocumented parameter"
        assert notebook_parameters(stage.notebook)


@pytest.mark.parametrize("name", available_profiles())
def test_profiles_are_valid(name):
    profile = load_profile(name)
    assert profile["run_dir"] == f"runs/{name}" and set(profile["stages"]) <= set(STAGES)
