"""The public API of `workbench` is small, unique and documented (checked with griffe)."""

from __future__ import annotations

import griffe

import workbench


def test_public_names_resolve_and_are_documented():
    package = griffe.load("workbench", resolve_aliases=True, allow_inspection=False)
    assert len(set(workbench.__all__)) == len(workbench.__all__)
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None
        if name.startswith("__"):
            continue
        obj = package.get_member(name) if name in package.members else None
        target = obj.final_target if obj is not None and obj.is_alias else obj
        assert target is not None and target.docstring, f"{name} lacks a docstring"


def test_facade_methods_have_docstrings():
    facade = griffe.load("workbench.facade", allow_inspection=False)
    cls = facade["Workbench"]
    for name, member in cls.members.items():
        if not name.startswith("_") and member.is_function:
            assert member.docstring, f"Workbench.{name} lacks a docstring"
