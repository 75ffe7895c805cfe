import importlib.util
from pathlib import Path

import pytest

EXAMPLE = (
    Path(__file__).resolve().parents[1] / "examples" / "online_retail_walkthrough.py"
)


def test_walkthrough_runs_on_the_sample(sample_path, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("walkthrough", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(sample_path), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    for step in (
        "order lines:",
        "LightGCN trained",
        "Customer ",
        "Visitor with cart",
        "Similar to 85123A",
        "customers in the top 20%",
        "Segments",
    ):
        assert step in out, step
    assert (tmp_path / "segments.png").read_bytes()[:4] == b"\x89PNG"
