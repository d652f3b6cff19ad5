from evaltools.formatting import MINUS, first_line, fmt_number, fmt_p
from evaltools.periods import format_period, parse_period


def test_danish_decimal_comma_and_thousands_dot():
    assert fmt_number(1234.56, 1) == "1.234,6"
    assert fmt_number(-27.86, 1) == f"{MINUS}27,9"
    assert fmt_number(35.4, 1, signed=True) == "+35,4"
    assert fmt_number(18690.25, 0) == "18.690"


def test_english_numbers():
    assert fmt_number(1234.56, 1, "en") == "1,234.6"
    assert fmt_p(0.0102, "en") == "0.01"


def test_a_p_value_near_the_levels_the_text_uses_keeps_a_third_decimal():
    # placebo p = (rank) / 98: 5/98 = 0.0510 is not significant at 5 %, so it must not read "0,05"
    assert fmt_p(5 / 98) == "0,051"
    assert fmt_p(4.9 / 98) == "0,05"  # exactly 0.05
    assert fmt_p(0.049) == "0,049"
    assert fmt_p(10 / 98, "en") == "0.102"  # the 10 % level of a weak indication
    assert fmt_p(0.06) == "0,06" and fmt_p(34 / 98) == "0,35"  # away from the levels: two decimals


def test_zero_is_not_signed_or_negative():
    assert fmt_number(-0.01, 1, signed=True) == "0,0"


def test_periods():
    assert str(parse_period("2012K3")) == "2012Q3"
    assert str(parse_period("2012q3")) == "2012Q3"
    assert format_period(parse_period("2012Q3")) == "2012K3"
    assert format_period(parse_period("2012Q3"), "en") == "2012Q3"
    assert format_period(parse_period(2013)) == "2013"


def test_interval():
    from evaltools.formatting import fmt_interval

    assert fmt_interval(-61.56, 35.41, unit="procent") == f"{MINUS}61,6 til +35,4 procent"
    assert fmt_interval(-1.5, 0.2, "en", "percentage points") == f"{MINUS}1.5 to +0.2 percentage points"
    assert fmt_interval(-28.4, 108.7, sep=" – ") == f"{MINUS}28,4 – +108,7"


def test_first_line_of_a_cell_keeps_whole_words():
    line = 'kommune = "Lejre"  # navn, kode (350) eller slug (lyngby-taarbaek); se evaltools.kommuner()'
    assert first_line(line + "\noutcome = 1") == 'kommune = "Lejre"  # navn, kode (350) eller slug…'
    assert first_line("x = 1\ny = 2") == "x = 1"
    assert first_line("a" * 70) == "a" * 60 + "…"  # one long word: cut where it must be


def test_own_pandas_tables_in_a_danish_report_get_a_decimal_comma():
    """'1.234' is one thousand and more to a Danish reader: a user's own table must not say it of 1.234."""
    import pandas as pd

    from evaltools.formatting import DecimalComma, use_number_format

    df = pd.DataFrame({"andel": [0.35, 1.234, float("nan")], "personer": [1234, 250, 7], "lille": [1e-7, 2.0, 1e20]})
    try:
        use_number_format("da")
        html = df.to_html()
        assert "<td>0,35</td>" in html and "<td>1,234</td>" in html and "<td>NaN</td>" in html
        assert "<td>1234</td>" in html  # whole numbers as pandas shows them: no separator to misread
        assert "<td>1,000000e-07</td>" in html and "<td>2,0</td>" in html and "<td>1,000000e+20</td>" in html
        use_number_format("en")
        assert "<td>0.350</td>" in df.to_html()  # pandas' own display again
        pd.set_option("display.float_format", "{:.1f}".format)  # the user's own choice stays
        use_number_format("da")
        assert "<td>0.3</td>" in df.to_html()
        assert repr(DecimalComma()) == "evaltools.formatting.DecimalComma()"
    finally:
        pd.reset_option("display.float_format")


def test_a_relative_interval_past_an_elevenfold_rise_reads_over_1000():
    from evaltools.formatting import fmt_interval

    assert fmt_interval(-99.99998, 691073728.9, sep=" – ", relative=True) == f"{MINUS}100,0 – over +1.000"
    assert fmt_interval(-94.2, 1896.4, "en", "per cent", relative=True) == f"{MINUS}94.2 to above +1,000 per cent"
    assert fmt_interval(-81.5, 999.9, relative=True) == f"{MINUS}81,5 til +999,9"
    assert fmt_interval(-5.0, 2500.0) == f"{MINUS}5,0 til +2.500,0"  # persons or points: as they are
