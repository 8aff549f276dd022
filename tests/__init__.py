"""The tests. tests/support/ is rewritten by pytest as test modules are, so a failed assert in a shared helper
shows its values too; registered here, before tests/conftest.py imports from it."""
import pytest

pytest.register_assert_rewrite("tests.support")
