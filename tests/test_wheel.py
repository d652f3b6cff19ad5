"""An installed copy builds reports anywhere: the wheel in a fresh venv, outside the repository."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.slow

UV = Path(sys.executable).with_name("uv")


@pytest.fixture(scope="module")
def installed(root, tmp_path_factory):
    """evaltools built as a wheel and installed with its dependencies (constraints.txt) into a new venv."""
    if not UV.exists():
        pytest.skip("uv is not installed (pip install -e '.[dev]')")
    work = tmp_path_factory.mktemp("wheel")
    assert root not in work.parents  # outside the repository
    subprocess.run([str(UV), "build", "--wheel", "--quiet", "--out-dir", str(work / "dist"), str(root)],
                   check=True, capture_output=True)
    wheel = next((work / "dist").glob("evaltools-*.whl"))
    venv = work / "venv"
    subprocess.run([str(UV), "venv", "--quiet", str(venv)], check=True, capture_output=True)
    subprocess.run([str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                    "--constraint", str(root / "constraints.txt"), str(wheel)], check=True, capture_output=True)
    return venv / "bin"


def _run(bindir: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return subprocess.run([str(bindir / "evaltools"), *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_installed_wheel_makes_a_folder_and_builds_a_report_in_an_empty_folder(installed, tmp_path, root):
    made = _run(installed, ["new", "evaluering"], tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "evaluering" / "notebooks" / "evaluering.ipynb").is_file()
    assert (tmp_path / "evaluering" / "params" / "eksempel.yaml").is_file()

    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(tmp_path / "evaluering" / "params" / "eksempel.yaml", empty / "my.yaml")
    run = _run(installed, ["run", "my.yaml", "--format", "pdf"], empty)
    assert run.returncode == 0, run.stderr
    assert "(packaged template)" in run.stderr
    assert str(installed.parent) in run.stderr  # the template inside the installed package, not the repository
    pdf = empty / run.stdout.strip()
    assert pdf == empty / "reports" / "my" / "my.pdf"
    page1 = " ".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert "Målet om færre ledige unge (september 2012) i Lejre Kommune" in page1
