"""The WSGI entry point freezes what is alive after start-up, so full collections stay short."""

import os
import subprocess
import sys

import pytest

SCRIPT = "import gc, gongkai.wsgi; print(gc.get_freeze_count())"


def _frozen(freeze: str, tmp_path) -> int:
    env = {**os.environ, "GONGKAI_GC_FREEZE": freeze, "GONGKAI_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    return int(out[-1])


@pytest.mark.parametrize("freeze", ["1", "0"])
def test_the_worker_freezes_its_start_up_objects_unless_told_not_to(freeze, tmp_path):
    frozen = _frozen(freeze, tmp_path)
    if freeze == "1":
        # Django, Wagtail, every URL module and view: far more than a bare interpreter.
        assert frozen > 100_000
    else:
        assert frozen == 0
