"""The quick tour of docs/python.md runs as written."""

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_the_quick_tour_runs(tmp_path):
    text = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    tour = text[text.index("## A quick tour"):]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    (tmp_path / "bundles").symlink_to(ROOT / "bundles")  # the tour's paths are relative to the repository
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ))
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert out[0] == "['intake', 'licence_check', 'food_licence', 'outdoor_sign', 'fire_check', 'issuance']"
    assert out[1] == "{'separately': 30, 'bundled': 5, 'reduction': 0.8333}"
    assert out[2] == "2025-03-10 18:00:00+08:00"
    assert out[3].startswith("invalid_transition ")
    assert "material_lapsed" in out[4]
    assert (tmp_path / "cases.db").exists()
