"""`workbench add` for packages that are not installed: a wheel (given, or downloaded by
pip) is unpacked into a private folder beside the DuckDB file and read from there with
griffe. Nothing is installed, and the user's environment is never touched."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from workbench.errors import FetchError, UnknownLibraryError
from workbench.ingest.packages import InstalledPackage, find_package
from workbench.store.diskspace import translate_os_error

PIP_TIMEOUT_S = 300
#: Caps on what a wheel may unpack to: no source file is this large (the biggest
#: generated modules are a few MB); a zip of zeros is.
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
STAGING_PREFIX = ".unpack-"


def packages_dir(db_path: Path) -> Path:
    """The private folder of fetched wheels and their unpacked trees: `<db dir>/packages`."""
    return db_path.resolve().parent / "packages"


def parse_spec(spec: str) -> Requirement:
    """`NAME` or `NAME==VERSION` (any PEP 508 specifier pip understands).

    Raises:
        FetchError: not a package name with an optional version.
    """
    try:
        requirement = Requirement(spec.strip())
    except InvalidRequirement:
        raise FetchError(
            f"'{spec}' is neither a package name (NAME or NAME==VERSION) nor a .whl file"
        ) from None
    if requirement.url or requirement.marker:
        raise FetchError(f"'{spec}': give NAME or NAME==VERSION, or a path to a .whl file")
    return requirement


def pinned_version(requirement: Requirement) -> str | None:
    """The version of an `==` pin, else None."""
    pins = [s.version for s in requirement.specifier if s.operator in {"==", "==="}]
    return pins[0] if pins else None


def download_wheel(requirement: Requirement, root: Path) -> Path:
    """Fetch one wheel (no dependencies, no sdist) with pip into `root/wheels`.

    pip uses its own configuration (index, mirrors, certificates), as `pip install` would.

    Raises:
        FetchError: pip found no wheel, or failed; the message carries pip's reason.
    """
    dest = root / "wheels"
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.glob("*.whl"))
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(dest), str(requirement),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise FetchError(f"pip download {requirement} took over {PIP_TIMEOUT_S} s") from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = next((ln for ln in lines if ln.startswith("ERROR")), lines[-1] if lines else "pip failed")
        if "No matching distribution" in reason or "Could not find a version" in reason:
            reason = (
                f"no wheel of {requirement} on the package index (workbench add reads wheels, not sdists)"
            )
        raise FetchError(f"cannot fetch {requirement}: {reason.removeprefix('ERROR: ')}")
    wanted = canonicalize_name(requirement.name)
    found = [w for w in dest.glob("*.whl") if _wheel_project(w) == wanted]
    fresh = [w for w in found if w not in before] or found
    if not fresh:
        raise FetchError(f"pip reported success but left no wheel of {requirement.name} in {dest}")
    return max(fresh, key=lambda w: w.stat().st_mtime)


def _wheel_project(wheel: Path) -> str | None:
    try:
        return canonicalize_name(parse_wheel_filename(wheel.name)[0])
    except InvalidWheelFilename:
        return None


def unpack_wheel(wheel: Path, root: Path, origin: str) -> tuple[InstalledPackage, bool]:
    """Unpack a wheel into `root/site/<name>-<version>` (reused if already there).

    Returns the package and whether this call created the folder (so a failed add can
    remove it again).

    Raises:
        FetchError: not a readable wheel, an unsafe member path, or no Python package in it.
    """
    if not wheel.is_file():
        raise FetchError(f"no wheel file at {wheel}")
    try:
        project, version, _, _ = parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as error:
        raise FetchError(f"{wheel.name} is not a wheel file name ({error})") from None
    target = root / "site" / f"{project}-{version}"
    created = False
    if not (target / ".complete").is_file():
        try:
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(target.parent)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target.parent))
            try:
                _extract(wheel, staging)
                (staging / ".complete").write_text(origin)
                staging.rename(target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        except OSError as error:  # a full disk, an unwritable folder: one line
            raise translate_os_error(error, target.parent) from error
        created = True
    try:
        return site_package(target, origin), created
    except FetchError:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise


def remove_stale_staging(folder: Path) -> None:
    """Delete the staging folders of unpacks whose process is gone (killed mid-unpack)."""
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wanted(member: str) -> bool:
    """What griffe reads of a wheel: sources, stubs, markers and the metadata."""
    parts = PurePosixPath(member).parts
    return bool(parts) and (
        parts[0].endswith(".dist-info") or member.endswith((".py", ".pyi", "py.typed", ".pth"))
    )


def _extract(wheel: Path, into: Path) -> None:
    """Unpack the members griffe reads, each at most MAX_MEMBER_BYTES and all together at
    most MAX_UNPACKED_BYTES (sizes from the zip directory, which extraction holds to)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = archive.infolist()
            for info in members:
                parts = PurePosixPath(info.filename).parts
                if info.filename.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                    raise FetchError(f"{wheel.name} has an unsafe member path: {info.filename}")
            wanted = [info for info in members if not info.is_dir() and _wanted(info.filename)]
            for info in wanted:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise FetchError(
                        f"{wheel.name}: {info.filename} unpacks to {info.file_size >> 20} MB "
                        f"(at most {MAX_MEMBER_BYTES >> 20} MB per file): not read"
                    )
            total = sum(info.file_size for info in wanted)
            if total > MAX_UNPACKED_BYTES:
                raise FetchError(
                    f"{wheel.name} unpacks to {total >> 20} MB of sources "
                    f"(at most {MAX_UNPACKED_BYTES >> 20} MB): not read"
                )
            for info in wanted:
                archive.extract(info, into)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise FetchError(f"{wheel.name} is not a valid wheel ({type(error).__name__})") from None


def site_package(site: Path, origin: str, import_name: str | None = None) -> InstalledPackage:
    """The package of an unpacked wheel tree.

    Raises:
        FetchError: no `.dist-info`, or no importable Python package or module in it.
    """
    infos = sorted(site.glob("*.dist-info"))
    if not infos:
        raise FetchError(f"{site.name}: no .dist-info folder, so not a wheel")
    meta = metadata.PathDistribution(infos[0]).metadata
    distribution, version = meta["Name"] or site.name, meta["Version"] or "0"
    names = [import_name] if import_name else top_level_names(site, infos[0])
    if not names:
        raise FetchError(f"{distribution} {version}: the wheel holds no Python package griffe can read")
    wanted = canonicalize_name(distribution).replace("-", "_")
    name = wanted if wanted in names else names[0]
    path = site / name if (site / name).is_dir() else site / f"{name}.py"
    if not path.exists():
        raise FetchError(f"{distribution} {version}: no package '{name}' in the wheel")
    return InstalledPackage(
        name,
        distribution,
        version,
        path,
        site,
        companion_stubs_in(site, name),
        origin=origin,
        metadata_dir=infos[0],
        siblings=tuple(n for n in names if n != name),
    )


def top_level_names(site: Path, dist_info: Path) -> list[str]:
    """Public top-level packages and modules with Python sources, `top_level.txt` first."""
    listed = dist_info / "top_level.txt"
    candidates = listed.read_text().split() if listed.is_file() else []
    candidates += sorted(
        p.name if p.is_dir() else p.stem
        for p in site.iterdir()
        if (p.is_dir() and any(p.glob("*.py*"))) or p.suffix in {".py", ".pyi"}
    )
    out = []
    for name in dict.fromkeys(candidates):
        if re.fullmatch(r"[A-Za-z]\w*", name) and ((site / name).is_dir() or (site / f"{name}.py").is_file()):
            out.append(name)
    return out


def companion_stubs_in(site: Path, import_name: str) -> tuple[Path, ...]:
    """`X-stubs` packages in an unpacked wheel, like `companion_stubs` for installed ones."""
    return tuple(
        p
        for p in sorted(site.glob("*-stubs"))
        if p.name != f"{import_name}-stubs" and (p / "__init__.pyi").is_file()
    )


def fetched_package(root: Path, name: str) -> InstalledPackage | None:
    """The newest unpacked copy of a project (by distribution or import name), or None."""
    wanted = canonicalize_name(name)
    found = []
    for complete in (root / "site").glob("*/.complete"):
        site = complete.parent
        try:
            package = site_package(site, complete.read_text())
        except FetchError:
            continue
        if wanted in {canonicalize_name(package.distribution), canonicalize_name(package.name)}:
            found.append(package)
    if not found:
        return None

    def key(p: InstalledPackage) -> tuple[int, Version | str]:
        try:
            return (1, Version(p.version))
        except InvalidVersion:
            return (0, p.version)

    return max(found, key=key)


def locate(name: str, root: Path) -> InstalledPackage | None:
    """An installed package, else a copy `add` unpacked under `root`, else None."""
    try:
        return find_package(name)
    except UnknownLibraryError:
        return fetched_package(root, name)
