"""The package itself: what it exports, its docstrings, its type stub, and that it installs."""

import ast
import inspect
import os
import pathlib
import subprocess
import sys

import yishi
from yishi import _yishi

STUB = pathlib.Path(yishi.__file__).with_name("_yishi.pyi")


def public_classes():
    return {name: obj for name, obj in vars(_yishi).items() if inspect.isclass(obj) and not name.startswith("_")}


def public_members(cls):
    return {name for name in vars(cls) if not name.startswith("_")}


def test_exports():
    assert yishi.__version__ == "0.1.0"
    public = {name for name in dir(_yishi) if not name.startswith("_")}
    assert public <= set(yishi.__all__)
    for name in yishi.__all__:
        assert hasattr(yishi, name), name
    for name, cls in public_classes().items():
        assert cls.__module__ == "yishi", name
    assert pathlib.Path(yishi.__file__).with_name("py.typed").exists()
    assert yishi.CST.utcoffset(None).total_seconds() == 8 * 3600


def test_every_public_function_has_a_docstring():
    missing = []
    for name, cls in public_classes().items():
        if not (cls.__doc__ or "").strip():
            missing.append(name)
        for attr in public_members(cls):
            member = vars(cls)[attr]
            lines = [line for line in (member.__doc__ or "").strip().splitlines() if line.strip()]
            # pybind11 puts the signature on the first line of a method's docstring
            body = lines if isinstance(member, property) else lines[1:]
            if not body:
                missing.append(f"{name}.{attr}")
    for fn in (yishi.load, yishi.loads):
        assert len((fn.__doc__ or "").strip().splitlines()) >= 2, fn.__name__
    assert missing == []


def test_the_stub_describes_every_class_and_method():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"load", "loads"} <= functions
    for name, cls in public_classes().items():
        assert name in classes, f"class {name} is not in the stub"
        if issubclass(cls, BaseException):
            continue
        stubbed = {n.name for n in classes[name].body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        assert public_members(cls) == stubbed, name
    for name in classes:
        assert hasattr(_yishi, name), f"the stub has {name}, the module does not"


def test_the_tests_fail_without_the_module(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    here = pathlib.Path(__file__).parent
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(here / "test_calendar.py")],
                       env=env, cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode != 0
    assert "No module named 'yishi'" in p.stdout + p.stderr


def test_cmake_install_makes_it_importable(tmp_path):
    build, cmake = os.environ.get("YISHI_BUILD_DIR"), os.environ.get("YISHI_CMAKE")
    assert build and cmake, "run the Python tests through ctest"
    env = dict(os.environ, DESTDIR=str(tmp_path / "root"))
    p = subprocess.run([cmake, "--install", build, "--component", "python"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    [init] = list((tmp_path / "root").rglob("yishi/__init__.py"))
    site = init.parent.parent
    assert (init.parent / "py.typed").exists() and (init.parent / "_yishi.pyi").exists()
    check = ("import yishi, sys; assert yishi.__file__.startswith(sys.argv[1]), yishi.__file__; "
             "print(yishi.Calendar.national().years)")
    p = subprocess.run([sys.executable, "-c", check, str(site)], env=dict(os.environ, PYTHONPATH=str(site)),
                       cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[2024, 2025, 2026]"
