import pytest

from arrow_sus._partitions import _state_codes, normalize_months, normalize_ufs, normalize_years
from arrow_sus.errors import InvalidArgumentError


def test_years() -> None:
    assert normalize_years(None) is None
    assert normalize_years(2023) == [2023]
    assert normalize_years([2024, 2023, 2023]) == [2023, 2024]
    assert normalize_years(range(2019, 2022)) == [2019, 2020, 2021]
    assert normalize_years("2019-2021,2023") == [2019, 2020, 2021, 2023]
    for bad in (23, "x", "2023-2019", [], True):
        with pytest.raises(InvalidArgumentError):
            normalize_years(bad)


def test_months() -> None:
    assert normalize_months("1-6") == [1, 2, 3, 4, 5, 6]
    assert normalize_months(12) == [12]
    with pytest.raises(InvalidArgumentError, match="1 to 12"):
        normalize_months(13)


def test_ufs() -> None:
    assert len(_state_codes()) == 27
    assert normalize_ufs("sp, rj") == ["RJ", "SP"]
    assert normalize_ufs(["AC"]) == ["AC"]
    assert normalize_ufs("BR") == ["BR"]
    with pytest.raises(InvalidArgumentError, match="unknown UF 'XX'"):
        normalize_ufs("XX")
    with pytest.raises(InvalidArgumentError):
        normalize_ufs("BR", allow_br=False)


def test_ranges_are_checked_before_they_are_expanded() -> None:
    # Each end is checked first: these fail at once instead of building billions of values.
    for bad in ("1-999999999", "2023-999999999", range(1970, 10**12), ["2020", "1900-2020"]):
        with pytest.raises(InvalidArgumentError, match="out of range"):
            normalize_years(bad)
    with pytest.raises(InvalidArgumentError, match="month=13 is out of range"):
        normalize_months("1-13")
    assert normalize_years("1970-2100")[-1] == 2100
