import pytest

import ticket


def make(silo, n):
    numbers = []
    for i in range(n):
        t = silo.new_ticket(f"ticket {i}")
        if i % 2 == 0:
            silo.add_tag(t.number, "even")
        numbers.append(t.number)
    return numbers


def test_search_count_numbers(silo):
    numbers = make(silo, 10)
    assert silo.count() == 10
    assert silo.count("g=even") == 5
    assert silo.numbers("g=even") == numbers[0::2]
    assert silo.numbers("", "!n") == list(reversed(numbers))
    found = list(silo.search("g=even", "n"))
    assert [t.number for t in found] == numbers[0::2]
    assert all(isinstance(t, ticket.Ticket) for t in found)
    assert found[0].tags == ["even"]


def test_search_limit_offset(silo):
    numbers = make(silo, 12)
    assert [t.number for t in silo.search("", "n", limit=3, offset=4)] == numbers[4:7]
    assert [t.number for t in silo.search("", "n", offset=10)] == numbers[10:]
    assert list(silo.search("", "n", limit=0)) == []


def test_search_result_is_reusable_like_a_sequence(silo):
    numbers = make(silo, 7)
    found = silo.search("", "n")
    assert len(found) == 7 and found
    assert [t.number for t in found] == numbers
    assert [t.number for t in found] == numbers  # a second pass
    it = iter(found)
    assert iter(it) is it and next(it).number == numbers[0]
    assert found[0].number == numbers[0] and found[-1].number == numbers[-1]
    assert [t.number for t in found[2:5]] == numbers[2:5]
    assert [t.number for t in found[::3]] == numbers[::3]
    assert [t.number for t in found[::-2]] == numbers[::-2]
    assert found[7:] == []
    with pytest.raises(IndexError):
        found[7]
    window = silo.search("", "n", limit=3, offset=2)
    assert len(window) == 3 and [t.number for t in window[-2:]] == numbers[3:5]
    assert not silo.search("g=nothing")
    assert len(silo.search("", offset=100)) == 0


def test_status_search(silo):
    numbers = make(silo, 3)
    silo.set_status(numbers[0], "Closed")
    assert silo.numbers("s:c") == [numbers[0]]
    assert silo.count("s:*") == 2


def test_syntax_error_attributes(silo):
    try:
        silo.count("s:ox: g=risk")
    except ticket.SearchSyntaxError as e:
        assert (e.start, e.end) == (3, 4)
        assert "x" in e.message
        text = str(e)
        assert "s:ox: g=risk" in text and "^" in text
    else:
        raise AssertionError("expected SearchSyntaxError")


def test_parse_search_canonical():
    k = ticket.parse_search("S:OA: p^assigned=phil")
    assert str(k) == str(ticket.parse_search(str(k)))
    assert isinstance(k.span, tuple)


def test_compile_search_binds_values():
    sql, params = ticket.compile_search('g="x\'; DROP TABLE tickets; --"', sort="n")
    assert "DROP" not in sql
    assert any("drop table" in str(p).lower() for p in params)


def test_search_syntax_error_attributes():
    with pytest.raises(ticket.SearchSyntaxError) as info:
        ticket.compile_search("g=x ; D", sort="n")
    err = info.value
    assert 0 <= err.start <= err.end
    assert err.message
    assert "^" in str(err)
