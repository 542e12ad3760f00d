"""Package list for pyproject.toml's package-dir mapping: llmaccel/ plus the user's
top-level folders sim/, rtl/, mapping/, workloads/, reports/, each installed as
``llmaccel.<folder>`` with all its subpackages (nothing installs at top level)."""

from setuptools import find_packages, setup

FOLDERS = ("sim", "rtl", "mapping", "workloads", "reports")

packages = find_packages(include=["llmaccel", "llmaccel.*"])
for folder in FOLDERS:
    packages += [f"llmaccel.{folder}"] + [f"llmaccel.{folder}.{p}" for p in find_packages(where=folder)]

setup(packages=packages)
