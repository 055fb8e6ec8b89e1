import arrow_sus
from arrow_sus import errors


def test_version() -> None:
    assert arrow_sus.__version__


def test_error_hierarchy() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, arrow_sus.ArrowSusError) or issubclass(cls, UserWarning), name
    assert issubclass(arrow_sus.ChecksumError, arrow_sus.FormatError)
