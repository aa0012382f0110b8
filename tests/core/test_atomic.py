"""write_text_atomic: the new file, or the previous one, never half a file."""

from __future__ import annotations

import pytest

from mikrobot.core.atomic import write_text_atomic


def test_a_string_or_chunks_replace_the_file_and_parents_are_created(tmp_path):
    path = tmp_path / "a" / "b.json"
    assert write_text_atomic(path, '{"x": 1}\n') == path
    assert path.read_text() == '{"x": 1}\n'
    write_text_atomic(path, iter(["{", '"x": 2', "}"]))
    assert path.read_text() == '{"x": 2}'
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]


def test_a_failure_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "s.json"
    write_text_atomic(path, "old")

    def chunks():
        yield "new, half"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(path, chunks())
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    (tmp_path / "d").mkdir()
    with pytest.raises((IsADirectoryError, PermissionError)):
        write_text_atomic(tmp_path / "d", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "s.json"]
