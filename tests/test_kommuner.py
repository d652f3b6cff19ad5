import pytest

from evaltools import UnknownKommuneError, all_kommuner, get_kommune


def test_there_are_98_kommuner_with_unique_codes():
    ks = all_kommuner()
    assert len(ks) == 98
    assert len({k.code for k in ks}) == 98


@pytest.mark.parametrize(
    "query, code",
    [("350", "350"), (350, "350"), ("Lejre", "350"), ("lejre kommune", "350"), ("LEJRE", "350"),
     ("lyngby-taarbaek", "173"), ("Lyngby-Taarbæk Kommune", "173"), ("Copenhagen", "101"),
     ("København", "101"), ("Bornholms Regionskommune", "400"), ("hoeje-taastrup", "169"), ("101", "101"),
     # official names as exports write them: genitive, renamed kommuner, DST's own spelling
     ("Københavns Kommune", "101"), ("Århus Kommune", "751"), ("Brønderslev-Dronninglund", "810"),
     ("Vesthimmerland Kommune", "820"), ("Vesthimmerlands", "820"), ("Nordfyns Kommune", "480")],
)
def test_lookup_by_code_name_or_slug(query, code):
    assert get_kommune(query).code == code


def test_unknown_name_suggests_closest():
    with pytest.raises(UnknownKommuneError) as info:
        get_kommune("Lejer")
    assert info.value.suggestions[0] == "Lejre"
    assert "Did you mean: Lejre" in str(info.value)


def test_prefix_suggests_full_name():
    with pytest.raises(UnknownKommuneError) as info:
        get_kommune("Lyngby")
    assert info.value.suggestions == ["Lyngby-Taarbæk"]


def test_full_name_and_slug():
    k = get_kommune("Høje-Taastrup")
    assert k.full_name == "Høje-Taastrup Kommune"
    assert k.slug == "hoeje-taastrup"
    assert get_kommune("400").full_name == "Bornholms Regionskommune"
