"""core.demo: the demo's JSON files are read as frozen values."""

from __future__ import annotations

from pathlib import Path

from core.demo import demo_json


def test_demo_json_reads_the_file_beside_the_module_with_lists_as_tuples(tmp_path: Path):
    (tmp_path / "phrases.json").write_text(
        '{"pools": {"reading": ["Reading on the bus.", "The library"]}, "weights": [[1, 3]]}',
        encoding="utf-8",
    )

    data = demo_json(str(tmp_path / "data.py"), "phrases.json")

    assert data == {
        "pools": {"reading": ("Reading on the bus.", "The library")},
        "weights": ((1, 3),),
    }
    hash(data["weights"])  # hashable, like the Python literals it replaces
