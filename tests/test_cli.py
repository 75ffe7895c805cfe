import pytest

from shelfgraph.cli import main


def test_demo_runs_the_whole_workflow(tmp_path, capsys):
    code = main(
        ["demo", "--lines", "20000", "--iterations", "3", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code == 0
    for section in (
        "order lines:",
        "recall@20",
        "Shelf of customer",
        "Similar to",
        "Campaign",
        "Segments:",
    ):
        assert section in out
    assert (tmp_path / "segments.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "shelves.csv").stat().st_size > 0


def test_errors_are_one_line_on_stderr_with_a_nonzero_exit(capsys):
    code = main(["demo", "--lines", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("shelfgraph: error: `n_lines` must be an int >= 1, got 0.")
    assert err.count("\n") == 1


def test_help_explains_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    assert "--lines" in capsys.readouterr().out
