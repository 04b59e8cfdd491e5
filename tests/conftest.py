import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))


def pytest_collection_modifyitems(config, items):
    """Tests marked root need root; say so loudly instead of silently passing."""
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="needs root (network namespaces, mounts)")
        for item in items:
            if "root" in item.keywords:
                item.add_marker(skip)
