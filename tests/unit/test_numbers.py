import pytest

from cti.domain.numbers import mask_number, normalize_number


@pytest.mark.parametrize(
    "raw", ["05321112233", "+905321112233", "905321112233", "00905321112233", "0 (532) 111 22 33"]
)
def test_every_written_form_is_one_number(raw: str) -> None:
    assert normalize_number(raw) == "05321112233"


@pytest.mark.parametrize(
    "raw", ["", "anonymous", "+4930123456", "0532111223344556", "0532270641", "053294781",
            "+900532111223"]
)
def test_foreign_or_garbage_is_not_a_turkish_number(raw: str) -> None:
    assert normalize_number(raw) is None


def test_short_numbers_stay_digits() -> None:
    assert normalize_number("153") == "153"
    assert normalize_number("5321112233") == "05321112233"


def test_masked_number_keeps_two_digits() -> None:
    assert mask_number("05321112233") == "*********33"
