"""The package: a wheel built from the repository carries templates, static files, content and migrations, and
serves from any folder once installed; requirements.lock pins every dependency within pyproject.toml's ranges."""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import requests
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.app import ROOT

# What `pip wheel .` reads: the project's metadata, its code and the client's folders (pyproject.toml maps these
from tests.support.servers import free_port

# What `pip wheel .` reads: the project's metadata, its code and the client's folders (pyproject.toml maps these
# into the package).
SOURCES = ["pyproject.toml", "README.md", "webapp", "realtime"]
DATA = ["templates", "static", "content", "migrations"]
# Settings the installed app must do without: its own defaults, in its own instance folder.
UNSET = ["PYTHONPATH", "PYTHONHOME", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CONTENT_DIR", "SOCKETIO_ASYNC_MODE",
         "PUBLIC_URL", "TRUSTED_HOSTS", "MAIL_BACKEND", "MAIL_FILE_PATH"]


def files_under(root: Path, folder: str) -> set[str]:
    return {str(path.relative_to(root)) for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def build_wheel(tmp_path: Path) -> Path:
    """`pip wheel --no-deps .` on a copy of the repository (the build leaves build/ and *.egg-info beside the
    sources), with the build backend requirements.lock installed: nothing is downloaded."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES + DATA:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copyfile(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    str(source), "-w", str(tmp_path / "dist")], check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("stagegesprek-*.whl")
    return wheel


def fresh_venv_with(wheel: Path, venv: Path) -> Path:
    """A new venv with the wheel installed in it, and the dependencies found through a .pth file in this test
    run's own site-packages (added as a folder: its .pth files, the editable install of the repository among them,
    are not run). Returns the venv's python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True,
                          capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(site, "zz_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    return python


def test_a_wheel_carries_the_folders_installs_into_a_fresh_venv_and_serves_from_any_folder(tmp_path):
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in DATA:  # every file of the client's folders, a new template or migration too
        missing = {name for name in files_under(ROOT, folder) if f"webapp/{name}" not in names}
        assert not missing, f"{folder}/ files missing from the wheel: {sorted(missing)}"
    assert any(re.fullmatch(r"webapp/migrations/versions/\w+\.py", name) for name in names)

    venv, elsewhere = tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()  # an empty folder: nothing found relative to where the app runs
    python = fresh_venv_with(wheel, venv)
    env = {name: value for name, value in os.environ.items() if name not in UNSET}

    # Where everything comes from (asked while the database is migrated: both take seconds of imports).
    where = subprocess.Popen([python, "-c", (
        "import sys, webapp, realtime\n"
        "from webapp import resources\n"
        "print(webapp.__file__, realtime.__file__, *(resources.folder(n) for n in ('templates', 'static', 'content',"
        " 'migrations')), sep='\\n')\n"
        "print('editable finder' if any('editable' in repr(f).lower() for f in sys.meta_path) else '')\n"
        "print(*sys.path, sep='\\n')\n")], cwd=elsewhere, env=env, stdout=subprocess.PIPE, text=True)
    # As a school would run it from a wheel: migrate, then gunicorn with the repository's config (README, Production).
    subprocess.run([python, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=elsewhere, env=env, check=True,
                   capture_output=True)
    database = venv / "var" / "webapp-instance" / "stagegesprek.db"  # Flask's instance folder for an installed app
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from alembic_version").fetchone() == (1,)
    assert not any(elsewhere.iterdir())

    output, _ = where.communicate(timeout=30)
    assert where.returncode == 0
    lines = output.splitlines()
    for path in lines[:6]:  # the code and the four folders: the venv's own copies
        assert Path(path).resolve().is_relative_to(venv.resolve()), output
    assert lines[6] == "", "the repository's editable install is active in the fresh venv"
    assert str(ROOT) not in lines[7:], output  # '' is the empty folder it runs in

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    server_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "SOCKETIO_ASYNC_MODE": "gevent"}
    with open(log, "w") as out:
        server = subprocess.Popen([python, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                   "--no-control-socket", "webapp:create_app()"],
                                  cwd=elsewhere, env=server_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, log.read_text()
            try:
                start_page = requests.get(url + "/", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert start_page.status_code == 200, start_page.text
        assert "Stagegesprek: meedoen of een gesprek starten" in start_page.text
        css = requests.get(url + "/static/app.css", timeout=5)
        assert css.status_code == 200 and css.content == (ROOT / "static" / "app.css").read_bytes()
        assert "mail sender started in worker" in log.read_text()
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=15)
    print(f"wheel built, installed and served in {time.monotonic() - started:.1f} s")


def locked() -> dict[str, str]:
    """requirements.lock's pins, by normalized name."""
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): version for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)}


def test_the_lock_pins_every_dependency_within_its_range_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = locked()
    requirements = [Requirement(line) for line in project["dependencies"]]
    requirements += [Requirement(line) for extra in project["optional-dependencies"].values() for line in extra]
    requirements += [Requirement(line) for line in tomllib.loads((ROOT / "pyproject.toml").read_text())
                     ["build-system"]["requires"]]
    for requirement in requirements:
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name]), f"requirements.lock has {name} {pins[name]}: {requirement}"
    lock = (ROOT / "requirements.lock").read_text()
    hashed = re.findall(r"^([A-Za-z0-9._-]+)==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}", lock, re.M)
    assert len(hashed) == len(pins), "every pin has its hashes (pip install --require-hashes)"


def test_this_test_run_uses_the_locked_versions():
    """make install installs requirements.lock as it is: what the tests run on is what the lock says."""
    differing = {}
    for name, version in locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            differing[name] = (version, installed)
    assert not differing, f"locked and installed differ (make install): {differing}"
