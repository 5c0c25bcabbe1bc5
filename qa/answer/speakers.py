"""Who says a sentence, and whose words a question asks for.

News reports speech: "Raisi said", "said Raisi", "according to Raisi", "Bayramov, the foreign minister, told ...", and,
after the sentence that names the speaker, "He added that ...". A question that asks what someone said ("What did
Raisi tell Bayramov?", "How did Qalibaf describe ...?") is answered by a sentence that person says, not by one that
the other person it names says (`reader.spoken_first`).
"""

from __future__ import annotations

import re

from qa.index import one_edit, terms

# Verbs that report what someone said (as reported speech puts them: past or present); "pointed to", "called for".
REPORTING = (r"(?:said|says|told|tells|added|adds|stressed|stresses|noted|notes|stated|states|announced|announces|"
              r"warned|warns|urged|urges|described|describes|called|calls|expressed|expresses|emphasi[sz]ed|"
              r"emphasi[sz]es|underlined|underlines|underscored|highlighted|highlights|pointed|points|hailed|hails|"
              r"commented|comments|argued|argues|claimed|claims|insisted|insists|explained|explains|asked|asks|"
              r"suggested|suggests|predicted|predicts|admitted|admits|denied|denies|praised|praises|critici[sz]ed|"
              r"thanked|thanks|welcomed|welcomes|reiterated|reiterates|reaffirmed|declared|declares|wrote|writes|"
              r"tweeted|believes|believed|expects|expected|hoped|hopes|voiced|remarked|recalled|conceded|confirmed|"
              r"confirms|revealed|reveals|proposed|proposes|vowed|vows|pledged|pledges)")
# ... and as a question asks with "did", "does", "has" or "will": "What did X say?", "How has X described ...?"
_ASKED_VERB = (r"(?:say|said|tell|told|describe|described|call|called|stress|stressed|note|noted|state|stated|announce|"
               r"announced|warn|warned|urge|urged|express|expressed|emphasi[sz]e|emphasi[sz]ed|underline|underlined|"
               r"highlight|highlighted|point|pointed|hail|hailed|comment|commented|argue|argued|claim|claimed|insist|"
               r"insisted|explain|explained|ask|asked|suggest|suggested|predict|predicted|admit|admitted|deny|"
               r"denied|praise|praised|critici[sz]e|critici[sz]ed|thank|thanked|welcome|welcomed|reiterate|"
               r"reiterated|declare|declared|write|wrote|written|tweet|tweeted|believe|expect|hope|voice|voiced|"
               r"remark|recall|concede|confirm|reveal|propose|vow|pledge)")
_NAME = r"[A-Z][\w'’-]+(?:\s+(?:(?:al|bin|de|van|von)\s+)?[A-Z][\w'’-]+)*"
# Words that may stand between a speaker and the verb: "Bayramov also stressed", "Raisi on Monday said"
_BETWEEN = r"(?:\s+(?:also|further|then|later|again|once again|has|had|have|recently|previously|on \w+))*"

_ASKED_SPEAKER = [
    re.compile(rf"\b(?:did|does|do|has|have|had|will|would|could)\s+(?:the\s+)?(?P<who>{_NAME})(?:['’]s?)?{_BETWEEN}"
               rf"\s+{_ASKED_VERB}\b"),
    re.compile(rf"\b[Aa]ccording to\s+(?:the\s+)?(?P<who>{_NAME})"),
]
_SAYS = [
    re.compile(rf"\b[Aa]ccording to\s+(?:the\s+)?(?P<who>{_NAME})"),
    # "The invitation was welcomed by Bayramov, who said ..."
    re.compile(rf"(?P<who>{_NAME}),\s+who{_BETWEEN}\s+{REPORTING}\b"),
    # "Raisi said", "Bayramov, the foreign minister, told", "For his part, Bayramov commented"
    re.compile(rf"(?P<who>{_NAME})(?:,[^,]{{1,80}},)?{_BETWEEN}\s+{REPORTING}\b"),
    # '"...," said Raisi', '..., said the Iranian president Ebrahim Raisi' (not "told Qalibaf": whom something is
    # told is no speaker; nor "said that Iran ...": what is said is not)
    re.compile(rf"[,\"”’']\s*(?:said|says|added|asked|wrote)\s+(?:the\s+)?(?:[a-z]+\s+){{0,3}}?(?P<who>{_NAME})"),
]
# A sentence that a pronoun says: "He added that ...", "For her part, she said ..."
_PRONOUN_SAYS = re.compile(rf"\b(?:[Hh]e|[Ss]he){_BETWEEN}\s+{REPORTING}\b")
# Capitalised words that start sentences and clauses without being anyone's name
_NOT_A_SPEAKER = frozenset(("The", "A", "An", "It", "This", "That", "These", "Those", "He", "She", "They", "We", "I",
                            "But", "And", "In", "On", "At", "For", "Meanwhile", "However", "Also", "His", "Her",
                            "Their", "Its", "Our", "My"))


def _person(name: str) -> str | None:
    """The name with the words that start sentences dropped from its front ("Meanwhile Raisi" -> "Raisi"); None when
    nothing is left."""
    words = name.split()
    while words and words[0] in _NOT_A_SPEAKER:
        words.pop(0)
    return " ".join(words) or None


def asked_speaker(question: str) -> str | None:
    """The name of the one whose words the question asks for: "Raisi" of "What did Raisi say to Bayramov?"."""
    for pattern in _ASKED_SPEAKER:
        if match := pattern.search(question):
            return _person(match.group("who"))
    return None


def speaker(sentence: str, before: str | None) -> str | None:
    """Who says the sentence: the first one it reports as speaking, by name, or by a pronoun ("He added ...") that
    stands for the one who spoke in the sentence before (`before`: that speaker, None when unknown). The first: what
    someone said may report what someone else did ("He said that Iran urged ...")."""
    found = [(m.start(), who) for pattern in _SAYS for m in pattern.finditer(sentence)
             if (who := _person(m.group("who")))]
    found += [(m.start(), before) for m in _PRONOUN_SAYS.finditer(sentence)]
    return min(found, key=lambda f: f[0])[1] if found else None


# A sentence whose subject is "he" or "she", whom the sentence before names: "He pointed to ...", "For her part, she
# ...". Not "it" or "they", which as often stand for nothing or for an event ("It could cost pounds 80m", "It comes
# after ..."); not a quote's "she", who is someone the speaker talks about.
_PRONOUN_SUBJECT = re.compile(r"^\s*(?:(?:For|On) (?:his|her) (?:part|side),\s*)?(?:[Hh]e|[Ss]he)\b")
# What a question asks for when it asks "which company ...?": never what "he" or "she" stands for
_BODIES = frozenset(terms("company companies firm group body organisation organization agency team club band "
                          "broadcaster channel network bank party newspaper studio label union council committee"))


def pronoun_subject(sentence: str, focus: tuple[str, ...] = ()) -> bool:
    """Whether "he" or "she" is the sentence's subject (whom it stands for is named in the sentence before), for a
    question whose `focus` terms ask for someone ("which company ...?" does not)."""
    return not set(focus) & _BODIES and bool(_PRONOUN_SUBJECT.match(sentence))


def same_speaker(asked: str, found: str) -> bool:
    """Whether two names are one person's: the full name and the surname are ("Ebrahim Raisi", "Raisi"), and so are
    two spellings of a long surname ("Abbott", "Abbot"; "Raisi", "Raeisi")."""
    a, b = asked.lower().split()[-1:], found.lower().split()[-1:]
    return bool(a and b) and (a == b or min(len(a[0]), len(b[0])) >= 5 and one_edit(a[0], b[0]))
