import arrow_sus
from arrow_sus import errors


def test_version() -> None:
    assert arrow_sus.__version__


def test_error_hierarchy() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), arrow_sus.ArrowSusError)
    assert issubclass(arrow_sus.ChecksumError, arrow_sus.FormatError)
