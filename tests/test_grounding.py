"""The grounding table: crafted (sources, reply sentence) cases that the claim-level check must keep or flag.

Each row is one answer sentence, the sources it cites (by key into SOURCES), and what must happen: "keep" (shown,
with the citations listed in `supporting`) or the start of the reason it is removed. The rules are those of
qa/answer/grounding.py (docs/llm.md, "What the checks do to the reply").
"""

from __future__ import annotations

from datetime import date

import pytest

from qa.answer.grounding import Wording, check_claim, numbers
from qa.answer.llm import check_reply
from qa.types import Citation

DEC_2021 = date(2021, 12, 23)
SOURCES = {
    "border": Citation(1, "002.txt", 27, 27, "Earlier this year, tensions soared between Tehran and Baku, which share "
                       "a 700-kilometer border, after Azerbaijan seized a border strip with Iran.", published=DEC_2021),
    "met": Citation(2, "002.txt", 25, 25, "Iranian and Azerbaijani officials met in Tehran on Monday.",
                    published=DEC_2021),
    "visit": Citation(3, "004.txt", 3, 3, "Azerbaijani Foreign Minister Jeyhun Bayramov visited Tehran in 2022, "
                      "meeting President Ebrahim Raeisi.", published=date(2022, 10, 5)),
    "deal": Citation(4, "005.txt", 8, 8, "The gas deal is worth $1.2 billion, officials said.",
                     published=date(2022, 1, 5)),
    "moscow": Citation(5, "002.txt", 13, 13, "The first meeting in the 3+3 regional cooperation format was held in the "
                       "Russian capital on December 10.", published=DEC_2021),
    "georgia": Citation(6, "002.txt", 14, 14, "Azerbaijan, Russia, Turkey, Armenia and Georgia took part in the "
                        "event, but Georgia said it would not attend.", published=DEC_2021),
    "trade": Citation(7, "003.txt", 20, 20, "Trade between the two countries rose by 40 percent to 500 million "
                      "dollars last year.", published=date(2021, 3, 2)),
    "troops": Citation(8, "001.txt", 9, 9, "Some two thousand troops took part in the drills near the border.",
                       published=date(2021, 10, 1)),
    "zarif": Citation(9, "000.txt", 2, 2, "Iranian Foreign Minister Mohammad Javad Zarif met President of "
                      "Azerbaijan Ilham Aliyev in Baku on January 25, 2021.", published=date(2021, 1, 26)),
}
QUESTION = "How long is the border between Iran and Azerbaijan?"

TABLE = [
    # claim, cited sources, expected ("keep" or the start of the reason), supporting (for "keep")
    # -- correct answers and paraphrases
    ("They share a 700-kilometer border", ["border"], "keep", ["border"]),
    ("Tehran and Baku share a border of 700 km", ["border"], "keep", ["border"]),
    ("Based on the sources, Tehran and Baku share a 700-kilometer border", ["border"], "keep", ["border"]),
    ("Iranian and Azerbaijani officials met in Tehran", ["met"], "keep", ["met"]),
    ("Officials met in Tehran in December 2021", ["met"], "keep", ["met"]),  # "Monday" of a 23 Dec 2021 article
    ("Bayramov met President Raisi in Tehran", ["visit"], "keep", ["visit"]),  # Raisi = Raeisi
    ("The deal is worth $1.2bn", ["deal"], "keep", ["deal"]),  # 1.2bn = 1.2 billion
    ("The gas deal is worth 1,200 million dollars", ["deal"], "keep", ["deal"]),
    ("Trade rose by 40% to $500m", ["trade"], "keep", ["trade"]),  # 40% = 40 percent
    ("Trade rose in 2020", ["trade"], "keep", ["trade"]),  # "last year" in a 2021 article
    ("About 2,000 troops took part in the drills", ["troops"], "keep", ["troops"]),  # "two thousand"
    ("Zarif met Aliyev in Baku on 25 January 2021", ["zarif"], "keep", ["zarif"]),  # dates compared as dates
    ("Georgia said it would not attend", ["georgia"], "keep", ["georgia"]),  # negation the source has
    # -- a claim merged from two sources, both cited; and one citation too many
    ("Tehran and Baku share a 700-kilometer border and their officials met in Tehran", ["border", "met"], "keep",
     ["border", "met"]),
    ("The first 3+3 meeting was held in the Russian capital, and Georgia would not attend", ["moscow", "georgia"],
     "keep", ["moscow", "georgia"]),
    ("They share a 700-kilometer border", ["border", "deal"], "keep", ["border"]),  # "deal" holds none of it
    # -- a wrong year, date or day
    ("Bayramov visited Tehran in 2019", ["visit"], "the date “2019”", None),
    ("Officials met in Tehran in November 2021", ["met"], "the date “November 2021”", None),
    ("Zarif met Aliyev in Baku on January 26, 2021", ["zarif"], "the date “January 26, 2021”", None),  # its date
    ("Zarif met Aliyev in Baku in January 2021", ["zarif"], "keep", ["zarif"]),
    ("The 2019 meeting was held in the Russian capital", ["moscow"], "the number “2019”", None),
    # -- a number or amount not in the source
    ("They share a 900-kilometer border", ["border"], "the number “900”", None),
    ("The deal is worth £1.2bn", ["deal"], "the number “£1.2bn”", None),  # another currency
    ("Trade rose by 50 percent", ["trade"], "the number “50 percent”", None),
    ("Three thousand troops took part in the drills", ["troops"], "the number “Three thousand”", None),
    # -- a swapped or invented name
    ("Aliyev visited Tehran in 2022", ["visit"], "the name “Aliyev”", None),
    ("Bayramov met President Rouhani", ["visit"], "the name “Rouhani”", None),
    ("The first meeting was held in Ankara", ["moscow"], "the name “Ankara”", None),
    # -- a claim citing the wrong source
    ("They share a 700-kilometer border", ["met"], "the number “700”", None),
    ("Bayramov visited Tehran in 2022", ["border"], "the date “2022”", None),
    ("Tensions soared between Tehran and Baku", ["deal"], "the name", None),
    # -- a negation the source does not make, words the source does not say, nothing cited
    ("Georgia did not take part in the event", ["georgia"], "keep", ["georgia"]),
    ("Officials did not meet in Tehran", ["met"], "it says “not”", None),
    ("Iran and Azerbaijan now have excellent relations", ["border"], "its words", None),
    ("Relations between the two countries are excellent", ["border"], "the number “two”", None),  # numbers strict
    ("The border is 700 kilometers long", [], "it cites no source", None),
]


@pytest.mark.parametrize(("claim", "cited", "expected", "supporting"), TABLE, ids=[row[0][:40] for row in TABLE])
def test_grounding_table(claim, cited, expected, supporting):
    verdict = check_claim(claim, [SOURCES[key] for key in cited], QUESTION)
    if expected == "keep":
        assert verdict.supported, verdict.reason
        assert [cited[i] for i in verdict.supporting] == supporting
    else:
        assert not verdict.supported
        assert verdict.reason.startswith(expected), verdict.reason


def test_the_table_has_at_least_25_cases_of_both_kinds():
    kept = sum(row[2] == "keep" for row in TABLE)
    assert len(TABLE) >= 25 and kept >= 10 and len(TABLE) - kept >= 15


def test_a_whole_reply_through_the_table_rules():
    """The check inside check_reply: supported sentences stay, the others go, citations that hold nothing of their
    sentence are dropped, and every citation left is marked supported."""
    order = list(SOURCES)
    reply = ("Tehran and Baku share a 700-kilometer border [1][4]. Bayramov visited Tehran in 2019 [3]. "
             "The gas deal is worth $1.2 billion [4].")
    result = check_reply(reply, [SOURCES[key] for key in order], QUESTION)
    assert result.text == "Tehran and Baku share a 700-kilometer border [1]. The gas deal is worth $1.2 billion [2]."
    assert [c.quote for c in result.citations] == [SOURCES["border"].quote, SOURCES["deal"].quote]
    assert all(c.supported for c in result.citations)
    assert [r.reason for r in result.removed] == ["the date “2019” is not in its sources"]
    assert result.notes == ["1 sentence removed: not supported by its sources.",
                            "1 citation to a source that does not support its sentence was removed."]
    assert result.sentences == 3


@pytest.mark.parametrize(("text", "values"), [
    ("1.2bn", [1.2e9]), ("1.2 billion", [1.2e9]), ("1,200 million", [1.2e9]), ("$3m", [3e6]), ("40%", [40]),
    ("40 per cent", [40]), ("twenty-five", [25]), ("a dozen", [12]), ("3+3", [3, 3]), ("700-kilometer", [700]),
])
def test_numbers_are_read_as_values(text, values):
    assert [n.value for n in numbers(text)] == values


def test_a_first_word_is_a_name_unless_the_sources_write_it_in_lower_case():
    wording = Wording.of([SOURCES["met"].quote], QUESTION)
    assert not check_claim("Ankara officials met in Tehran", [SOURCES["met"]], QUESTION, wording).supported
    assert check_claim("Officials met in Tehran", [SOURCES["met"]], QUESTION, wording).supported
