"""The plugin's tests use the core's test kit: one line, and the codes to enable."""

import pytest

pytest_plugins = ["core.testing"]


@pytest.fixture
def concerto_plugins():
    return ["gewest"]
