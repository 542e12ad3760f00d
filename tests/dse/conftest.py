"""Fixtures of tests/dse."""

import pytest
from dse_spaces import make_space


@pytest.fixture(name="make_space")
def make_space_fixture():
    return make_space


@pytest.fixture
def space_file(tmp_path):
    return make_space(tmp_path)
