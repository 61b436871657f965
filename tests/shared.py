"""The one way tests find `../shared` (seeds, corpora, registries, guidelines), which lives
beside the repository and may be absent: tests that need it skip with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared (it may not exist: check before use, or use `require_shared`)."""
    return SHARED.joinpath(*parts)


def require_shared(*parts: str) -> Path:
    """A path inside ../shared; skips the calling test with a reason when it is absent."""
    path = shared_path(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data (seeds, corpora) are not on this machine")
    return path


def skip_without_shared(*parts: str) -> pytest.MarkDecorator:
    """A skipif mark for whole modules or tests that need a path inside ../shared."""
    path = shared_path(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is absent: the shared data "
                              "(seeds, corpora) are not on this machine")
