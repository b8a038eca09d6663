"""Licenses: read from installed metadata (SPDX expression, License field, classifiers),
classed as permissive, weak copyleft, strong copyleft or unknown, judged by a policy."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from email.message import Message
from importlib.metadata import PackageMetadata

from workbench.config import CompliancePolicy
from workbench.ingest.packages import InstalledPackage

_STRONG = ("AGPL", "GPL", "SSPL", "EUPL", "OSL", "CC-BY-SA", "CC-BY-NC")
_WEAK = ("LGPL", "MPL", "EPL", "CDDL", "CPL", "MS-RL")
_PERMISSIVE = (
    "MIT", "BSD", "APACHE", "ISC", "PSF", "PYTHON", "ZLIB", "0BSD", "UNLICENSE", "CC0",
    "BSL-1.0", "HPND", "WTFPL", "MIT-CMU", "UPL", "X11", "NCSA",
)  # fmt: skip
_CLASSIFIER = {
    "MIT License": "MIT",
    "BSD License": "BSD-3-Clause",
    "Apache Software License": "Apache-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "ISC License (ISCL)": "ISC",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0",
    "The Unlicense (Unlicense)": "Unlicense",
}


def license_of(distribution: str) -> str:
    """The license of an installed distribution as an SPDX-like expression, or ""."""
    try:
        meta = metadata.metadata(distribution)
    except metadata.PackageNotFoundError:
        return ""
    return license_from_metadata(meta)


def package_license(package: InstalledPackage) -> str:
    """License of a package: from its unpacked wheel's METADATA, else installed metadata."""
    if package.metadata_dir is not None:
        return license_from_metadata(metadata.PathDistribution(package.metadata_dir).metadata)
    if package.name == "stdlib":
        return "PSF-2.0"  # the standard library ships with Python, under its license
    return license_of(package.distribution)


def license_from_metadata(meta: Message | PackageMetadata) -> str:
    """License of core metadata (installed, or a wheel's METADATA)."""
    return license_from_fields(
        meta.get("License-Expression") or "", meta.get("License") or "", meta.get_all("Classifier") or []
    )


def license_from_fields(expression: str, field: str, classifiers: list[str]) -> str:
    """`License-Expression`, then a short `License` field, then the license classifiers
    mapped to SPDX; "" when none says (metadata, a wheel's METADATA or PyPI's JSON)."""
    expression = (expression or "").strip()
    if expression:
        return expression
    field = (field or "").strip()
    if field and len(field) <= 60 and "\n" not in field and "copyright" not in field.lower():
        return field
    found = []
    for classifier in classifiers:
        if classifier.startswith("License ::"):
            name = classifier.split("::")[-1].strip()
            found.append(_CLASSIFIER.get(name, name))
    return " OR ".join(dict.fromkeys(found))


def classify(expression: str) -> str:
    """permissive, weak-copyleft, strong-copyleft or unknown.

    `A OR B` takes the most permissive choice; `A AND B` the most restrictive part.
    """
    text = expression.strip().upper()
    if not text:
        return "unknown"
    if " OR " in text:
        return min((classify(part) for part in re.split(r"\s+OR\s+", text)), key=_rank)
    if " AND " in text or " WITH " in text:
        parts = re.split(r"\s+(?:AND|WITH)\s+", text.strip("()"))
        return max((classify(part) for part in parts if not part.endswith("EXCEPTION")), key=_rank)
    name = text.strip("() ")
    if any(name.startswith(k) or f" {k}" in name for k in _WEAK):
        return "weak-copyleft"
    if any(name.startswith(k) or f" {k}" in name for k in _STRONG):
        return "strong-copyleft"
    if any(name.startswith(k) or f" {k}" in name for k in _PERMISSIVE):
        return "permissive"
    return "unknown"


def _rank(license_class: str) -> int:
    return ("permissive", "weak-copyleft", "unknown", "strong-copyleft").index(license_class)


def allowed(license_class: str, policy: CompliancePolicy) -> bool:
    """Whether the policy accepts a license class."""
    return license_class in policy.allowed
