"""The reader's parts on their own: what a question asks for, short answers, follow-ups, and the fitted model file.

Answer quality as a whole is measured on the question sets (tests/test_evaluation.py, docs/evaluation.md); these
tests pin the general rules, each with wordings that do not come from the question sets.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import numpy as np
import pytest

from qa.answer import follow_up
from qa.answer.answer_types import asked, counts_focus, short_answer
from qa.answer.extractive import Candidate
from qa.answer.reader import (
    ANSWERABILITY_FEATURES,
    MODEL_PATH,
    PAIR_DEPTH,
    RANKER_FEATURES,
    LinearModel,
    Ranked,
    Ranking,
    answerability,
    by_the_rules,
    calibrated,
    load_model,
    rank,
    read,
    reads_span,
    said_first,
    short_of,
)
from qa.index import terms
from qa.types import Passage, Sentence


@pytest.mark.parametrize("question, kind, focus, unit", [
    ("How many spectators watched the final?", "number", ("spectat",), None),
    ("How many Airbus A380 jets has Emirates ordered?", "number", ("jet",), None),  # names are not the focus
    ("Which firm bought the brewery?", "person", ("firm",), None),
    ("In which district was the bomb found?", "name", ("district",), None),
    ("What is the population of Lagos?", "number", ("popul",), None),
    ("What's the population of Lagos?", "number", ("popul",), None),  # a contraction asks the same
    ("What’re the two firms called?", None, ("firm",), None),  # as "What are ...": no kind
    ("Which comics inspired the film?", "name", ("comic",), None),
    ("How long is the new bridge?", "number", (), "length"),
    ("How long did the strike last?", "number", (), "duration"),
    ("How much did the bank pay for the insurer?", "number", (), "money"),
    ("How much money did the party spend on the campaign?", "number", ("money",), "money"),
    ("How much did exports grow last year?", "number", (), None),  # an amount, not a sum paid
    ("Why did the talks collapse?", "reason", (), None),
    ("What did the minister say?", None, (), None),
    ("How fast can the new robot walk?", "number", (), "speed"),
    ("How tall is the tower?", "number", (), "length"),
    ("What is the length of the border?", "number", ("length",), "length"),
    ("What length of contract will he be offered?", "number", ("length",), None),  # a duration
    # "Who is <name>?" asks who they are, not for another name; "what about X" for anything about it
    ("Who is Sahiba Gafarova?", None, (), None),
    ("who was Brian O'Driscoll", None, (), None),
    ("Who is Turkey's foreign minister?", "person", (), None),
    ("What about the gas swap deal?", None, (), None),
    ("What was the UK inflation rate?", "number", ("rate",), None),  # its noun asks for a number
    # a request asks what its question word asks, unless something was asked before it
    ("explain why the dollar fell", "reason", (), None),
    ("tell me when the war ended", "date", (), None),
    ("What did he tell me when I asked?", None, (), None),
    # a name's focus is what it is the name of; an -ing word qualifies the noun after it; "that" opens a clause
    ("What is the name of the small UK engineering firm that was hit?", "name", ("firm",), None),
    ("What was the title of his debut album?", "name", ("album",), None),
    ("What is the name of the trojan that infects PCs?", "name", ("trojan",), None),
    ("Which US banking group was Barclays linked with?", "person", ("group",), None),
    # the first question word sets the kind; a clause after a comma only adds context
    ("How many times had the US blocked the bid, when talks were offered to Iraq?", "number", ("time",), None),
    ("What did sales amount to in 2004, when rival airlines took its passengers?", None, (), None),
    ("According to the police, how many people were hurt?", "number", ("peopl",), None),
    # a "when" clause that opens the question sets the time; what follows it is asked
    ("When the bank bought a third of the brewer, which company took the rest?", "person", ("compani",), None),
    ("When the war ended, how many people had died?", "number", ("peopl",), None),
    ("When the minister visited the capital, what did his host say about trade?", None, (), None),
    ("When did the war end, and how many people died?", "date", ("peopl",), None),
    ("When and where did the firm give its outlook?", "date", (), None),
    ("Roughly how many jobs will go?", "number", ("job",), None),
    ("In the poll, respondents in which country were the most upbeat?", "place", ("countri",), None),
    # the head of the phrase, not its first word and not the verb after it
    ("How many US broadband lines come through cable?", "number", ("line",), None),
    ("Which Labour election strategist was behind the plan?", "name", ("strategist",), None),
    ("Which film took the award for best picture?", "name", ("film",), None),
    ("Which newspaper first claimed the manager felt undermined?", "name", ("newspap",), None),  # an adverb ends it
    ("Which firm later bought the rest of the shares?", "person", ("firm",), None),
    ("At what percentage of capacity did the plant run?", "number", ("percentag",), "percent"),
    # a money word that heads its phrase asks for a sum; one that qualifies the next word does not
    ("What fine did the regulator impose on the bank?", "name", ("fine",), "money"),
    ("What was the budget for the film?", None, ("budget",), "money"),
    ("Which budget airline cut its fares?", "name", ("airlin",), None),
    # ... and one that only mentions a sum asks for its own focus
    ("Which Indonesian minister said the first quarter was the best time to raise fuel prices?", "person", ("minist",),
     None),
    ("Which firm paid the highest price?", "person", ("firm",), None),
    # "how much did X give / make / lose" asks for a sum; "how much weight did he lose" does not
    ("How much did the minister give to the party?", "number", (), "money"),
    ("How much weight did he lose?", "number", ("weight",), None),
    # so do "how much is X paying", "how much compensation ...", "how much per minute does it cost"
    ("How much is the carmaker paying for the stake?", "number", (), "money"),
    ("How much compensation is the family seeking?", "number", ("compens",), "money"),
    ("How much in damages is the firm seeking from the spammer?", "number", (), "money"),
    ("How much per minute does the relay service cost?", "number", (), "money"),
    ("How much a year are employers paying into the schemes?", "number", (), "money"),
    # a money verb after another thing asked about: "how much time did he spend" is a duration, not a sum
    ("How much time does the average user spend on search engines?", "number", ("time",), "duration"),
    ("How much gas did the firm sell last year?", "number", ("gas",), None),
    ("By how much did consumer spending rise?", "number", (), None),
    # "how long" is a length for a thing that has one, else a duration
    ("How long is the border between the two countries?", "number", (), "length"),
    ("How long was the jail term he served in 2004?", "number", (), "duration"),
    ("How long is the contract the manager has signed?", "number", (), "duration"),
    ("How long will the talks last?", "number", (), "duration"),
    # a score is a number ("18-17"); a score a magazine gave is not what is asked
    ("By what score did France beat England?", "number", ("score",), "score"),
    ("What was the final score?", "number", ("score",), "score"),
    ("Which magazine gave the game a perfect score?", "name", ("magazin",), None),
    # number words are not the focus, however they are spelt
    ("How many dozen eggs were sold?", "number", ("egg",), None),
    # a participle right after the question word qualifies the noun; after a name or the noun it is a verb
    ("How many elected police commissioners would there be?", "number", ("commission",), None),
    ("Which seeded player did he beat in the final?", "person", ("player",), None),
    ("Who leads the council, which called Michael Howard's asylum plans dangerous?", "person", (), None),
    # "per" ends the phrase: "price per share" asks for a price
    ("What price per share did the investors pay?", "number", ("price",), "money"),
    # a rate after the noun does not make it a verb: "workers a year"
    ("How many skilled foreign workers a year would the party allow in?", "number", ("worker",), None),
    ("How much gas a year will be swapped?", "number", ("gas",), None),
    # a time is a number, not a date: a clock time or a race time
    ("What time did she run in the final?", "number", ("time",), "time"),
    ("At what time does the ban take effect?", "number", ("time",), "time"),
    ("How many times had the US blocked the bid?", "number", ("time",), None),
    # how fast something grew is a rate of change, not a speed
    ("How fast did China's industrial output grow in the year to October?", "number", (), "percent"),
    ("How fast can the robot run?", "number", (), "speed"),
    # a reason asked for by its noun is a reason, and the noun is no focus to find in the answer
    ("What reason did the firm give for the fall in turnover?", "reason", (), None),
    ("On what grounds did the tribunal clear the sprinters?", "reason", (), None),
    ("What was the cause of the singer's death?", "reason", (), None),
    ("What cause did the charity back?", "name", ("caus",), None),
    # "what else" asks for no named thing
    ("Apart from playing games, what else can the console be used as?", None, (), None),
    # a date or a year however it is asked: "what exact date", "which years", "which months"
    ("On what exact date did the minister phone his counterpart?", "date", ("date",), None),
    ("In which years did Wales win at the stadium?", "date", ("year",), None),
    # a margin and a fraction are numbers
    ("By what margin did the relay team win the final?", "number", ("margin",), "score"),
    ("What fraction of the developers has disappeared?", "number", ("fraction",), None),
    # a question word after any preposition, or after an adverb before "what"
    ("Against which country did the flanker win his first cap?", "place", ("countri",), None),
    ("Roughly what share of the companies are led by women?", "number", ("share",), "percent"),
    # after the noun, a verb before a name that is its object ends the phrase; a name before a noun qualifies it
    ("Which club beat Chelsea 2-1 in the group stage?", "person", ("club",), None),
    ("Which actress plays Sophie Scholl in the film?", "person", ("actress",), None),
    ("Which collector bought Jimi Hendrix's guitar at the auction?", "name", ("collector",), None),
    ("Which court threw out Washington's lawsuit against the tobacco firms?", "name", ("court",), None),
    ("Which senior Azerbaijani officials did the minister meet?", "name", ("offici",), None),
    # "which" or "how many" inside a question that asked nothing before them; not in a clause after a question
    ("Brazil's airline flies to how many countries apart from Brazil?", "number", ("countri",), None),
    ("The engineer founded which peer-to-peer network?", "name", ("network",), None),
    ("What did the prime minister say about the bill which MPs passed?", None, (), None),
    ("Tell me about the contract which Iran signed in January", None, (), None),  # a request, not a question
    ("Near which hotel was the MP robbed?", "name", ("hotel",), None),
    ("How quickly did the tickets sell out?", "number", (), None),
    # what a thing costs is a sum; what was said about a cost is not
    ("What does a monthly pass for the service cost?", "number", (), "money"),
    ("What did the minister say about the cost of the war?", None, (), None),
    # the phrase ends at a comma, and after its noun at a common verb whose form has no -ed or -ing
    ("Which fund manager, the biggest shareholder in the club, wants more say?", "name", ("manag",), None),
    ("Which team goes through to meet Portadown in the sixth round?", "person", ("team",), None),
    ("Which executive said shoppers wanted the console at once?", "name", ("execut",), None),
    ("Which company paid fines over the broadcasts?", "person", ("compani",), None),  # not a sum
    ("Which television show did the minister appear on?", "name", ("show",), None),  # "show" is a noun here
    # a possessive's owner is what "which" asks about; after "what is the", what it owns is
    ("Which France player's penalties overturned the lead?", "person", ("player",), None),
    ("What was the campaigners' objection to the scheme?", None, ("object",), None),
    # an acronym's plural is the phrase's head, not a verb's object (as a name it is never the focus itself)
    ("Which three ethnic minority MPs were elected?", "name", ("minor",), None),
    # "what kind of" asks for the thing it is of
    ("What kind of corridors did the minister say the deal should include?", None, ("corridor",), None),
    ("What type of cancer was the singer treated for?", None, ("cancer",), None),
])
def test_what_a_question_asks_for(question, kind, focus, unit):
    got = asked(question)
    assert (got.kind, got.focus, got.unit) == (kind, focus, unit)


@pytest.mark.parametrize("question, sentence, span", [
    ("How many spectators watched the final?", "A crowd of 48,000 spectators saw the home side win 2-1.",
     "48,000 spectators"),
    ("What price did the bank pay for the insurer?", "The bank paid dollars 2.3bn (pounds 1.2bn) for the insurer.",
     "dollars 2.3bn"),  # the conversion in brackets is not a second answer
    ("How much will the console cost in Japan?", "The console will sell in Japan for 19,800 yen (dollars 188).",
     "19,800 yen"),  # a currency after its number
    ("How much did the group lose last year?", "The group lost 500m euros last year.", "500m euros"),
    ("What price per share would be a fair offer?", "An offer of 950p a share would be fair, at 3pm on Monday.",
     "950p"),  # pence written onto the number, not "3pm"
    ("How long is the new bridge?", "The 1,200-metre bridge took three years to build.", "1,200-metre"),
    ("When did the factory close?", "The factory closed on 14 March after a long dispute.", "14 March"),
    # the person the question names by surname is not the answer in full
    ("Which Iranian president met Bayramov?", "Foreign Minister Jeyhun Bayramov was received by Iranian President "
     "Ibrahim Raisi on July 4.", "Ibrahim Raisi"),
    ("Which comics inspired the film?", "Based on the Watchmen comics, the film opens next week.", "Watchmen"),
    ("How many people were hurt?", "Officials said 12 people were hurt and 3 were missing on Monday.", "12 people"),
    ("How many were hurt?", "Officials said 12 were hurt and 3 were missing on Monday.", None),  # which one?
    ("Until what year was a divorce granted only by Parliament?",
     "Until 1857, the only way to get a divorce was an Act of Parliament.", "1857"),  # a year before 1900
    ("How fast can the robot walk?", "It can walk at about 1.35km/h (0.83mph).", "1.35km/h"),
    # a month alone is a date after a word that makes it a time, and capitalised ("may" is a verb)
    ("When will the phone go on sale?", "It is due to go on sale in mid-February, Sharp said.", "February"),
    ("When does the musical open?", "The musical will open in November, said Mr Richards.", "November"),
    ("When was the film first shown on television?", "It was not shown on television until the 1990s.", "1990s"),
    ("When will the shares be sold?", "The shares may be sold, this may take a while.", None),
    # a time is one span, with its units
    ("What time did she run?", "She won in 2:15:25, a record, in her 12th race.", "2:15:25"),
    ("What time did he run?", "He clocked 27 minutes 52.3 seconds on his 3rd attempt.", "27 minutes 52.3 seconds"),
    ("At what time does the ban take effect?", "The ban comes into effect from 0001 GMT on 18 February.", "0001 GMT"),
    ("What time is kick-off?", "Kick-off at the 50,000-seat stadium is at 3.30pm.", "3.30pm"),
    ("For how many hours did the channel show it?", "It ran for 171 hours from 20 March to 27 March.", "171 hours"),
    ("How many people use broadband in the UK?", "The UK has passed Germany in broadband users per 100 people.",
     None),  # the base of a rate is no amount
    # the unit asked for comes with its number
    ("How long is the border?", "It restored 132 kilometers of borders shared with Iran.", "132 kilometers"),
    ("How long a ban did he receive?", "He was banned for two months after the match.", "two months"),
    ("How far did the ship sail?", "The ship sailed 19 nautical miles before the storm.", "19 nautical miles"),
    # a question that asks for several is answered by the list of them; a town and its county is no list
    ("Which countries will the tour take him to?", "He left Baku on a tour that will take him to Armenia, Georgia, "
     "Russia and Turkey as well.", "Armenia, Georgia, Russia and Turkey"),
    ("Which two cities had busy office markets?", "Leasing was brisk in Washington DC, and New York City, it said.",
     "Washington DC, and New York City"),
    ("Which country will he visit?", "He will visit Armenia, Georgia and Russia.", None),
    ("Which two counties did he visit?", "He went to Manchester, Liverpool, Leicester, Somerset and Dorset.", None),
    ("Which three women won?", "Anastasia Myskina, Maria Sharapova and Svetlana Kuznetsova won.",
     "Anastasia Myskina, Maria Sharapova and Svetlana Kuznetsova"),  # as many as the question asks for
    ("Which police stations held the suspects?", "They were held in Burnley, Lancashire, police said.", None),
    # a name the question says, spelt otherwise, is not the answer ("Venice" is not "Fenice", though)
    ("Which constituency does Labour MP Diane Abbott represent?", "Labour MP Diane Abbot said so on Monday.",
     None),
    ("Where did the conductor of La Fenice die?", "The conductor died in Venice, his family said.", "Venice"),
    ("How long was the jail term he served?", "He served a 10-month jail term in 2004.", "10-month"),
    ("How much did fans pay to watch it?", "Fans had to pay five pounds for a ticket.", "five pounds"),
    ("How many cars did it make?", "It made two and a half million cars last year.", "two and a half million cars"),
    # a score, or the scores of a match's sets; no other number answers "by what score"
    ("By what score did France beat England?", "France beat England 18-17 on Saturday.", "18-17"),
    ("By what score did Henman beat Nalbandian?", "Henman won 6-1 7-5 in his 2nd match.", "6-1 7-5"),
    ("By what score did Wales beat Italy?", "Italy hit back in the 11th minute.", None),
    ("By how much will earnings grow?", "It expects earnings to grow by 20-25% this year.", "20-25%"),  # a range
    # only a number in the unit asked for answers one that asks for a unit
    ("How long did the final last?", "Ljubicic stretched him for five sets.", None),
    ("How much did he give to the party?", "The party won a majority of 167 in 2001.", None),
    ("How much will Britain spend?", "We will need to spend several hundred million pounds.", "hundred million pounds"),
    # a person is named without the role written before the name
    ("Which judge ruled that Apple could see the records?", "In a ruling by Santa Clara County Superior Court Judge "
     "James Kleinberg, Apple can see the records.", "James Kleinberg"),
    ("Who leads the Refugee Council?", "Refugee Council Chief Executive Maeve Sherlock called it dangerous.",
     "Maeve Sherlock"),
    # a word of the question that is a word of the name stays in it; one before a name of two words or more does not
    ("Which paper did he talk to about his Jewish faith?", "He told the Jewish Chronicle he would not.",
     "Jewish Chronicle"),
    ("Which station plays classical music all day?", "Only Classic FM plays it all day, he said.", "Classic FM"),
    ("Which university did she study at?", "She went back to study at the University of Leeds in 1990.",
     "University of Leeds"),
    ("Which Iranian president met Aliyev?", "Iranian President Ebrahim Raisi met Aliyev in Ashgabat.",
     "Ebrahim Raisi"),
    ("Who is Azerbaijan's foreign minister?", "Azerbaijan's Foreign Minister Jeyhun Bayramov went to Tehran.",
     "Jeyhun Bayramov"),
    ("Which bookmaker made her the favourite?", "Bookmakers Ladbrokes made her the favourite.", "Ladbrokes"),
    # of several names, the one the focus word stands before; a name keeps its particles
    ("Which Iranian president met Aliyev?", "Amir-Abdollahian said a meeting between Iranian President Ebrahim Raeisi "
     "and his Azeri counterpart went well.", "Ebrahim Raeisi"),
    ("Which guitarist did Doherty fight?", "Singer Carl Barat said Doherty hit guitarist Patrick Walden.",
     "Patrick Walden"),
    ("Who did Doherty fight?", "Singer Carl Barat said Doherty hit guitarist Patrick Walden.", None),
    ("Which two acts top the bill?", "Essex act Prodigy joins headliners Scissor Sisters and Franz Ferdinand.",
     None),  # one name of several asked for answers none
    ("Which two pop stars sing on it?", "Pop stars Robbie Williams and Kylie Minogue sing, while Busted play.",
     "Robbie Williams and Kylie Minogue"),
    ("Which X Factor winner's single sold less?", "Elvis outsold X Factor winner Steve Brockstein, said Ian Smith.",
     "Steve Brockstein"),  # a possessive asks for one
    ("Which analyst called the results modest?", "Aviation analyst Nick Van den Brul called them modest.",
     "Nick Van den Brul"),
    ("Which keeper saved it?", "Keeper Edwin van der Sar saved it.", "Edwin van der Sar"),
    # of several places, the one a preposition of place or a kind of place stands before
    ("Which city hosted the summit?", "At the summit held in Geneva, Lavrov told Kerry that talks would go on.",
     "Geneva"),
    ("In which city did she first act?", "She acted in her home city of Lyon with the Paul Martin company.", "Lyon"),
    ("Where did the singer die?", "Country singer Tom Clark has died in New Orleans, his family said.",
     "New Orleans"),
    ("Where would the band have to go?", "Every member would have to travel to Madrid for a visa.", "Madrid"),
])
def test_a_short_answer_is_one_span_of_the_kind_asked(question, sentence, span):
    found = short_answer(asked(question), sentence, question)
    assert found == span
    assert found is None or found in sentence  # always an exact substring of the quoted sentence


def test_a_number_counts_what_was_asked_only_next_to_it():
    question = asked("How many cases of fraud were reported?")
    assert counts_focus("Police recorded 246,570 fraud cases last year.", question)
    assert not counts_focus("In 2004, officials said the cases rose sharply, by 12%.", question)
    length = asked("How long is the border?")
    assert counts_focus("They share a 700-kilometer border.", length)
    assert not counts_focus("They fought a six-week war along the border in 2020.", length)
    assert counts_focus("Its light can be seen 19 nautical miles away.", asked("How far can the light be seen?"))
    weeks = asked("How many weeks of training did the players get?")
    assert counts_focus("They had a 10-week period of training in the summer.", weeks)  # number and focus in one word
    assert not counts_focus("They trained for a week in 10 cities.", weeks)
    price = asked("What price per share would be a fair offer?")
    assert counts_focus("An offer of 950p a share would be fair.", price)  # a sum in pence
    assert not counts_focus("The board meets at 3pm to discuss an offer.", price)
    time = asked("What time did she run in the final?")
    assert counts_focus("She won the final in 9.87 seconds.", time)
    assert counts_focus("She clocked 2:15:25 in London.", time)
    assert not counts_focus("She ran in 3 finals in 2004.", time)


def test_a_sum_of_money_is_what_a_price_question_counts():
    price = asked("How much did the bank pay for the insurer?")
    assert counts_focus("The bank paid dollars 2.3bn for the insurer.", price)
    assert counts_focus("It was sold for £600m last year.", price)
    assert counts_focus("The deal is worth 5m euros.", price)
    assert not counts_focus("The bank bought the insurer in 2004 after 3 months of talks.", price)
    assert counts_focus("Fans will have to pay five pounds for a ticket.", price)  # a sum in words
    assert not counts_focus("Five fans paid for a ticket.", price)


def test_an_age_counts_written_without_its_unit():
    age = asked("How old is the candidate?")
    assert counts_focus("John Houston, 54, was due to stand in the seat.", age)  # in apposition
    assert counts_focus("The singer, aged 31, said so.", age)
    assert counts_focus("I was 18 when she was conceived.", age)
    assert counts_focus("He is 40 years old.", age)
    assert not counts_focus("He won 54 seats in 2004.", age)


def _candidate(text: str, **signals) -> Candidate:
    passage = Passage("a.txt", 1, 1, text, (Sentence(0, len(text), 1, 1),))
    values = dict(dense=0.6, passage_dense=0.6, lexical=0.8, lexical_with_context=0.8, article_lexical=0.8, typed=True,
                  rank_score=1.0, passage_rank=0, time_match=False, published=None, fragment=False, focus=0.0,
                  focus_counted=False, short=None, novelty=0.5, names_found=1.0, names_unsaid=(), lexical_other=0.8,
                  bigrams=0.5, previous_lexical=0.0, previous_dense=0.0, has_number=True, has_date=False,
                  words=len(text.split()))
    return Candidate(passage=passage, sentence=passage.sentences[0], index=0, **{**values, **signals})


def test_a_price_question_is_refused_when_the_best_sentence_holds_no_sum():
    question = asked("How much did the bank pay for the insurer?")
    model = load_model()
    for text, refused in (("The bank bought the insurer in 2004 after 3 months of talks.", True),
                          ("The bank paid dollars 2.3bn for the insurer.", False)):
        best = _candidate(text, focus_counted=counts_focus(text, question))
        probability = answerability(Ranking([Ranked(best, 0.9)], [Ranked(best, 0.9)], None), question, 0, model)
        assert (probability == 0.0) == refused, text


def test_the_sentence_moved_first_for_saying_the_names_still_holds_the_sum_asked_for():
    """A sum question's best sentence holds a sum but its article never names the bank asked about; of the sentences
    whose article does, the one quoted first is one that holds a sum, not the story's sentence without one."""
    question = asked("How much money is the bank claiming in damages from the dairy firm?")
    elsewhere = _candidate("Creditors claim 4bn euros from the dairy firm.", focus_counted=True, names_unsaid=("Acme",))
    no_sum = _candidate("The dairy firm has sued 45 banks.", focus_counted=False)  # a number, but no sum
    a_sum = _candidate("The bank wants 1bn euros from the dairy firm.", focus_counted=True)
    ranked = [Ranked(elsewhere, 0.5), Ranked(no_sum, 0.3), Ranked(a_sum, 0.2)]
    assert said_first(ranked, question)[0].candidate is a_sum
    assert said_first(ranked, asked("Why is the bank suing the dairy firm?"))[0].candidate is no_sum


def _previous(short, quote, read_as=""):
    calls = []

    def answer():
        calls.append(1)
        return short, quote, read_as
    return answer, calls


def test_a_pronoun_is_the_person_the_previous_answer_was_about():
    history = ["Who presented the budget?"]
    answer, calls = _previous(None, "Finance Minister Maria Lopez said the budget would balance by 2026.", history[0])
    assert follow_up.rewrite("When did she take office?", history, answer) == "When did Maria Lopez take office?"
    assert follow_up.rewrite("What did his party say?", ["Who leads the opposition?"],
                             _previous("John Smith", "", "Who leads the opposition?")[0]) == \
        "What did John Smith's party say?"
    assert calls == [1]


def test_after_a_who_question_a_pronoun_is_the_person_its_answer_opens_with():
    quote = "Zarif made the remarks in a meeting with President of Azerbaijan Ilham Aliyev in Baku."
    answer, _ = _previous(None, quote, "Who visited Baku in January?")
    assert follow_up.rewrite("What did he say?", ["Who visited Baku in January?"], answer) == "What did Zarif say?"
    # not after another question, nor when a country opens the quote; a country before a full name is no part of it
    answer, _ = _previous(None, quote, "What happened in Baku in January?")
    assert follow_up.rewrite("What did he say?", ["What happened in Baku in January?"], answer) == \
        "What did Ilham Aliyev say?"
    quote = "Iran said President of France Emmanuel Macron had called."
    previous = "Who won the Australian Open?"
    answer, _ = _previous(None, "Roche, a former Davis Cup player, won the French Open.", previous)
    assert follow_up.rewrite("Who did he beat?", [previous], answer) == "Who did Roche beat?"
    answer, _ = _previous(None, quote, "Who called the president?")
    assert follow_up.rewrite("Why did he call?", ["Who called the president?"], answer) == \
        "Why did Emmanuel Macron call?"


def test_a_pronoun_is_the_person_the_previous_question_asked_about_before_others_the_answer_names():
    quote = "Talks with President Ilham Aliyev and Deputy Prime Minister Shahin Mustafayev were fruitful, Zarif said."
    answer, calls = _previous(None, quote, "What did Zarif say in Baku?")
    assert follow_up.rewrite("Where was he going next?", ["What did Zarif say in Baku?"], answer) == \
        "Where was Zarif going next?"
    # the subject, wherever its verb's auxiliary stands, before another name the question gives
    previous = "How much of Manchester United does Glazer own?"
    answer, _ = _previous("28.1%", "Mr Glazer and his family hold a 28.1% stake.", previous)
    assert follow_up.rewrite("What do the fans think of him?", [previous], answer) == \
        "What do the fans think of Mr Glazer?"
    # in full where the quote names them so
    answer, _ = _previous(None, "Foreign Minister Mohammad Javad Zarif arrived on Monday.", "When did Zarif arrive?")
    assert follow_up.rewrite("And who did he meet?", ["When did Zarif arrive?"], answer) == \
        "Who did Mohammad Javad Zarif meet?"
    assert calls == [1]  # the previous answer is asked for once


def test_a_short_question_that_opens_with_a_preposition_leans_on_the_one_before():
    """"How many shares will Reliance buy back, and at what price?": the second part asks about the first part's
    shares; read alone, "At what price?" found a computer's price in another article."""
    previous = "How many shares is Reliance going to buy back?"
    answer, _ = _previous("52 million shares", "It plans to buy back 52 million shares.", previous)
    assert follow_up.rewrite("At what price?", [previous], answer) == f"At what price? ({previous})"
    assert follow_up.rewrite("In which city?", [previous], answer) == f"In which city? ({previous})"
    # a question with a subject of its own stands alone, preposition or not
    assert follow_up.rewrite("At what time did Bayramov land in Tehran?", [previous], answer) == \
        "At what time did Bayramov land in Tehran?"


def test_a_line_without_a_sentences_closing_is_a_headline_but_a_tweet_before_its_link_is_a_sentence():
    from qa.answer.extractive import is_fragment

    assert is_fragment("Officials Tell Karabakh Conference in Qom:")
    assert is_fragment("Iranian Foreign Minister (4th L) and President Aliyev (3rd R) meet in Baku. (Photo by IRNA)")
    assert not is_fragment("Peace lies in regional arrangements - incl. transit corridors benefiting all. "
                           "pic.twitter.com/PPGNYGFkYK")
    assert not is_fragment("More at the ministry's site. https://example.org/statement")
    assert is_fragment("Read the statement https://example.org/statement")  # no sentence before the link


def test_a_month_or_an_owner_before_a_name_is_no_person():
    """"In *July* 2022 Amir-Abdollahian said ...": the one name a question gives is its person, but a month or a
    weekday is no one; and a run of capitalised words ends at an owner's "'s" ("*Zarif's* Baku trip")."""
    previous = "In July 2022 Amir-Abdollahian said what about the talks?"
    answer, _ = _previous(None, "The talks went well, the minister said.", previous)
    assert follow_up.rewrite("What did he call constructive?", [previous], answer) == \
        "What did Amir-Abdollahian call constructive?"
    previous = "Zarif's Baku trip: which day did he land?"
    answer, _ = _previous("Sunday", "He landed in Baku on Sunday.", previous)
    assert follow_up.rewrite("Which day did he meet Aliyev?", [previous], answer) == "Which day did Zarif meet Aliyev?"


def test_a_place_a_sum_or_a_country_the_previous_turn_names_is_no_person():
    """"he" after "Where is X's studio based?" is X, not the place the answer led with; after "How much did Glazer's
    offer cut?", the owner asked about, not another name of the question; never a country ("Iran's minister")."""
    previous = "Where is Peter Molyneux's Lionhead Studios based?"
    answer, _ = _previous("Surrey's Lionhead Studios", "The head of Surrey's Lionhead Studios was honoured.", previous)
    assert follow_up.rewrite("In what year did he set it up?", [previous], answer) == \
        "In what year did Peter Molyneux set it up?"
    previous = "By how much did Glazer's latest Man Utd proposal cut the borrowing needed?"
    answer, _ = _previous("pounds 200m", "Mr Glazer's latest offer cut the borrowing needed by pounds 200m.", previous)
    assert follow_up.rewrite("What did his bid value the club at?", [previous], answer) == \
        "What did Glazer's bid value the club at?"
    previous = "What did Iran's foreign minister say in Baku?"
    answer, _ = _previous(None, "Foreign Minister Mohammad Javad Zarif said ties were good.", previous)
    assert follow_up.rewrite("Where did he go next?", [previous], answer) == "Where did Mohammad Javad Zarif go next?"


def test_a_follow_up_is_answered_by_its_own_words_and_the_story_the_one_before_names():
    """Retrieved with the whole question before, a follow-up is read by its own words and that question's names:
    read by all of them, "Who was the referee?" quoted the sentence on who scored."""
    asked = "Who was the referee? (Who scored all of Ireland's points in their 17-12 win over South Africa?)"
    assert follow_up.reading(asked) == "Who was the referee? (Ireland's South Africa)"
    assert follow_up.reading("What did Ireland do next? (Who beat Ireland?)") == "What did Ireland do next?"
    # the question before names nothing: its words are all that say what the story is
    asked = "Which country stayed away? (Where was the first 3+3 meeting held?)"
    assert follow_up.reading(asked) == asked
    assert follow_up.reading("Who won?") == "Who won?"


def test_what_a_follow_up_asks_for_is_its_own_not_the_previous_questions():
    assert follow_up.own_question("How many were sold? (When did it launch?)") == "How many were sold?"
    assert follow_up.own_question("How many were sold?") == "How many were sold?"


def test_the_previous_question_counts_as_it_was_read():
    """A third turn's "he" finds the person the first question named, through the second turn's "he"."""
    history = ["What did Zarif say in Baku?", "Where was he going next?"]
    answer, _ = _previous("Armenia", "The tour will take him to Armenia and Georgia.", "Where was Zarif going next?")
    assert follow_up.rewrite("Who did he meet there?", history, answer) == "Who did Zarif meet there?"


def test_a_question_with_its_own_subject_stands_alone():
    answer, calls = _previous("Maria Lopez", "")
    history = ["How big is the budget deficit?"]
    assert follow_up.rewrite("And who is Spain's finance minister?", history, answer) == \
        "Who is Spain's finance minister?"
    assert follow_up.rewrite("Where was the first summit of the Eurasian Economic Union held?", history, answer) == \
        "Where was the first summit of the Eurasian Economic Union held?"
    assert calls == []  # no pronoun: the previous answer is not needed


def test_which_asks_for_someone_as_who_does():
    """"Which Conservative MP defected ...?" asks for a person as "who defected?" does: "he" is the one the answer
    names, never the question's "Which Conservative MP"."""
    previous = "Which Conservative MP defected to Labour over Europe?"
    answer, _ = _previous(None, "Robert Jackson, the MP for Wantage, said he could not back the party.", previous)
    assert follow_up.rewrite("Which seat does he hold?", [previous], answer) == "Which seat does Robert Jackson hold?"
    previous = "Which seat does Robert Jackson hold?"
    answer, _ = _previous("Wantage", "Robert Jackson, the MP for Wantage, said ...", previous)
    assert follow_up.rewrite("When was he first elected?", [previous], answer) == \
        "When was Robert Jackson first elected?"


def test_a_pronoun_after_a_name_of_the_question_is_that_persons():
    previous = "Who beat Sania Mirza in the third round?"
    answer, _ = _previous("Serena Williams", "Serena Williams beat Mirza 6-1 6-4.", previous)
    assert follow_up.rewrite("Who did Andy Roddick split from as his coach?", [previous], answer) == \
        "Who did Andy Roddick split from as his coach?"
    assert follow_up.rewrite("How long did it take her?", [previous], answer) == \
        "How long did it take Serena Williams?"


def test_it_after_which_company_is_the_company_the_answer_named():
    previous = "Which company bought Yukos's main production unit?"
    answer, _ = _previous("Baikal Finance Group", "Baikal Finance Group bought the unit.", previous)
    assert follow_up.rewrite("How much did it pay?", [previous], answer) == "How much did Baikal Finance Group pay?"
    assert follow_up.rewrite("Where is its office?", [previous], answer) == "Where is Baikal Finance Group's office?"
    # after "where", "it" is what was asked about, not the place: read with the question before
    previous = "Where was the summit held?"
    answer, _ = _previous("Moscow", "The summit was held in Moscow.", previous)
    assert follow_up.rewrite("Who chaired it?", [previous], answer) == f"Who chaired it? ({previous})"


def test_a_pronoun_of_the_other_sex_is_not_the_one_the_question_before_called_she():
    history = ["What did Sahiba Gafarova say?", "Who did she invite to Baku?"]
    read = "Who did Sahiba Gafarova invite to Baku?"
    answer, _ = _previous(None, "She also invited Iranian Parliament Speaker Mohammad Baqer Qalibaf to travel to Baku.",
                          read)
    assert follow_up.rewrite("What is his job?", history, answer) == "What is Mohammad Baqer Qalibaf's job?"
    assert follow_up.rewrite("What did she say next?", history, answer) == "What did Sahiba Gafarova say next?"


def test_they_after_a_question_that_named_two_is_the_two():
    previous = "When did Zarif meet Aliyev in Baku?"
    answer, _ = _previous("Monday", "", previous)
    assert follow_up.rewrite("What did they talk about?", [previous], answer) == "What did Zarif and Aliyev talk about?"
    previous = "When did Zarif visit Baku?"  # one named, and a place: "they" is not read as anyone
    answer, _ = _previous("Monday", "", previous)
    assert follow_up.rewrite("What did they talk about?", [previous], answer) == \
        f"What did they talk about? ({previous})"


def test_a_fragment_takes_the_place_of_what_it_stands_for_in_the_question_before():
    """"And in 2022?" asks the question before again for 2022; "What about Azerbaijan?" for Azerbaijan; "And
    Mahindra's?" for Mahindra's; "And in Northern Ireland?" for the places after "in"."""
    history = ["Who was Iran's foreign minister in 2021?", "And in 2022?", "What about Azerbaijan?"]
    answer, _ = _previous(None, "", history[0])
    assert follow_up.rewrite(history[1], history[:1], answer) == "Who was Iran's foreign minister in 2022?"
    answer, _ = _previous(None, "", "Who was Iran's foreign minister in 2022?")
    assert follow_up.rewrite(history[2], history[:2], answer) == "Who was Azerbaijan's foreign minister in 2022?"
    previous = "By how much did Maruti's net profit rise in 2004?"
    answer, _ = _previous("52%", "", previous)
    assert follow_up.rewrite("And Mahindra's?", [previous], answer) == \
        "By how much did Mahindra's net profit rise in 2004?"
    previous = "By what time did voters in England, Scotland and Wales have to register?"
    answer, _ = _previous(None, "", previous)
    assert follow_up.rewrite("And in Northern Ireland?", [previous], answer) == \
        "By what time did voters in Northern Ireland have to register?"
    previous = "What did Mohsen Rezaei say about the truce?"
    answer, _ = _previous(None, "", previous)
    assert follow_up.rewrite("And Araqchi?", [previous], answer) == "What did Araqchi say about the truce?"
    # nothing it could stand for alone: read with the question before
    previous = "How much does Nintendo's DS cost in Japan?"
    answer, _ = _previous(None, "", previous)
    assert follow_up.rewrite("What about Sony?", [previous], answer) == f"What about Sony? ({previous})"


def test_a_question_that_names_nothing_or_is_a_fragment_leans_on_the_one_before():
    """"How long did the talks last?" names no talks; "And in Northern Ireland?" names a place but asks nothing of
    its own: both are read with the question before. "In which city ...?" is a question of its own."""
    previous = "What did Zarif and Bayramov discuss in Baku?"
    answer, _ = _previous(None, "", previous)
    assert follow_up.rewrite("How long did the talks last?", [previous], answer) == \
        f"How long did the talks last? ({previous})"
    previous = "By what time did voters have to register?"
    answer, _ = _previous("midnight", "", previous)
    assert follow_up.rewrite("And in Northern Ireland?", [previous], answer) == f"In Northern Ireland? ({previous})"
    assert follow_up.rewrite("In which city was the Northern Ireland deadline set?", [previous], answer) == \
        "In which city was the Northern Ireland deadline set?"


def test_a_short_elliptical_question_is_retrieved_with_the_previous_one():
    answer, _ = _previous(None, "", "Where was the summit held?")
    assert follow_up.rewrite("Which country stayed away?", ["Where was the summit held?"], answer) == \
        "Which country stayed away? (Where was the summit held?)"
    assert follow_up.rewrite("Which country stayed away?", [], answer) == "Which country stayed away?"
    answer, _ = _previous(None, "", "What did Ebrahim Raisi say about Israel?")
    assert follow_up.rewrite("And about the Caucasus?", ["What did he say about Israel?"], answer) == \
        "What did Ebrahim Raisi say about the Caucasus?"
    # "it" is what was asked about before, whatever place the question names; "and" before a short one leans too;
    # a short question that names its own subject does not
    answer, _ = _previous(None, "", "Which company makes the PSP?")
    assert follow_up.rewrite("How much does it cost in the US?", ["Which company makes the PSP?"], answer) == \
        "How much does it cost in the US? (Which company makes the PSP?)"
    assert follow_up.rewrite("And in Japan?", ["Which company makes the PSP?"], answer) == \
        "In Japan? (Which company makes the PSP?)"
    assert follow_up.rewrite("Who bought Yuganskneftegaz?", ["How much did Yukos owe?"], answer) == \
        "Who bought Yuganskneftegaz?"
    # the previous question as it was read, with the one it leaned on, and no further back
    answer, _ = _previous(None, "", "Were they released? (Which drivers were held? Where is the border?)")
    assert follow_up.rewrite("Who said so?", ["...", "Were they released?"], answer) == \
        "Who said so? (Were they released? Which drivers were held?)"


def test_the_model_file_is_plain_json_with_the_features_the_code_computes():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["ranker"]["features"] == list(RANKER_FEATURES)
    assert data["answerability"]["features"] == list(ANSWERABILITY_FEATURES)
    assert 0.0 < data["refuse_below"] < 1.0
    assert data["about"]["command"] == "python -m qa.evaluation.train_reader"
    assert "test" not in json.dumps(data["about"]["train"]) + json.dumps(data["about"]["dev"])  # never the test split
    model = load_model()
    assert len(model.ranker.coef) == len(RANKER_FEATURES)


def test_a_model_fitted_on_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["ranker"]["features"] = data["ranker"]["features"][:-1]
    with pytest.raises(ValueError, match="refit it with python -m qa.evaluation.train_reader"):
        LinearModel.from_json(data["ranker"], RANKER_FEATURES)


def test_the_number_rule_refuses_even_when_the_fitted_threshold_is_zero():

    question = asked("How many jobs will the factory create?")
    never = dataclasses.replace(load_model(), refuse_below=0.0, pair_sha256="")  # a threshold that refuses nothing
    assert read([_candidate("The factory opens next spring in the north.", typed=False)], question, 0, never).refused
    assert not read([_candidate("The factory will create 500 jobs.")], question, 0, never).refused


@pytest.mark.parametrize("question, name, someone", [
    ("Who is Sahiba Gafarova?", "Sahiba Gafarova", True),
    ("what's the ECO", "ECO", False),
    ("What is the 3+3 format?", "3+3 format", False),
    ("Tell me who Gordon Brown is", "Gordon Brown", True),
    ("What is the Bank of England?", "Bank of England", False),
    ("What is phishing?", "phishing", False),
    ("Who is Tom Hardy, quoted on the markets?", "Tom Hardy", True),  # the clause only says which one
    ("What is Passport to Paradise?", "Passport to Paradise", False),
    ("What does Ofcom do?", "Ofcom", False),
    ("Who is Theresa May?", "Theresa May", True),
    # a role is what "who is X?" is answered with, whatever time the question adds
    ("What post does Maria Lopez hold?", "Maria Lopez", True),
    ("What was Okafor's job?", "Okafor", True),
    ("What position did Tom Reyes hold when the strike began?", "Tom Reyes", True),
    ("Which office did Dan Chen occupy in 2020?", "Dan Chen", True),
    # they ask for someone, or about something else
    ("What role did the UN play?", None, None),
    ("What job does the winner get?", None, None),
    ("What title did Arsenal win?", None, None),
    ("Who is Iran's president?", None, None),
    ("Who is the Speaker?", None, None),
    ("What is the capital of Armenia?", None, None),
    ("what is the latest news on the border", None, None),
    ("What was the score?", None, None),
    ("What is it?", None, None),
    ("What Is It?", None, None),
])
def test_what_a_question_asks_to_have_described(question, name, someone):
    from qa.answer.answer_types import Described, described

    assert described(question) == (Described(name, someone) if name else None)


def test_a_sentence_describes_what_it_names_by_a_role_or_a_description():
    from qa.answer.answer_types import Described, describes

    gafarova, ofcom = Described("Sahiba Gafarova", True), Described("Ofcom", False)
    assert describes("Speaker of Azerbaijan's National Assembly Sahiba Gafarova met him.", gafarova)
    assert describes("The move was welcomed by industry watchdog Ofcom.", ofcom)
    assert describes("Ofcom, the media regulator, said so.", ofcom)
    assert describes("The summit of the Economic Cooperation Organization (ECO) opened.", Described("ECO", False))
    assert describes("He joined the Dutch football federation (KNVB) in May.", Described("KNVB", False))
    assert describes("It met in Turkmenistan's capital of Ashgabat.", Described("Ashgabat", False))
    assert not describes("He said Ofcom would act, particularly Ofcom alone.", ofcom)  # a verb, an adverb
    assert not describes('"It works," explains Herbert Hansen.', Described("Herbert Hansen", True))
    # what someone said does not say who they are; what they are does
    assert not describes("It was welcomed by Herbert Hansen, who said he would go.", Described("Herbert Hansen", True))
    assert describes("It was welcomed by Herbert Hansen, who heads the firm.", Described("Herbert Hansen", True))
    blair = Described("Tony Blair", True)
    assert not describes("Ministers believe Tony Blair will move him.", blair)
    assert not describes("He was working for Tony Blair then.", blair)
    assert not describes("You must remember Tony Blair's speech.", blair)
    assert describes("Prime Minister Tony Blair called him a giant.", blair)
    assert describes('"It was strong," chairman and chief executive Tony Blair said.', blair)
    # a role describes a person, not the body it names
    assert not describes("Secretary of Iran's Expediency Council Mohsen Rezaei spoke.", Described("Expediency Council",
                                                                                               False))
    # by surname only where the article names the person in full
    abramovich = Described("Roman Abramovich", True)
    assert describes("Chelsea owner Abramovich was there.", abramovich, by_surname=True)
    assert not describes("Chelsea owner Abramovich was there.", abramovich)


def test_who_someone_is_is_answered_by_the_sentence_that_says_so_or_refused():
    """The answerability model was fitted on questions that ask for a fact: a sentence that describes whom "Who is X?"
    asks about answers it, whatever that model says, and is quoted first; where none does, the articles do not say
    who X is, however many sentences name X."""
    question = asked("Who is Sahiba Gafarova?")
    names = _candidate("Gafarova met the minister in Baku.", typed=False)
    says = _candidate("Speaker of the National Assembly Sahiba Gafarova met him.", typed=False, describes=True)
    always = dataclasses.replace(load_model(), refuse_below=1.01, pair_sha256="")  # a threshold that refuses all
    verdict = read([names, says], question, 0, always)
    assert not verdict.refused and verdict.chosen[0] is says
    assert verdict.confidence == always.described_right  # as often right as such answers were on the sets'
    assert 0.5 < always.described_right < 1.0
    never = dataclasses.replace(always, refuse_below=0.0)
    assert read([names], question, 0, never).refused
    # a thing is described in too many ways to refuse for want of the ones the patterns know
    dam = _candidate("The Khoda-Afarin Dam was discussed.", typed=False)
    assert not read([dam], asked("What is Khoda-Afarin?"), 0, never).refused


def test_a_rule_refusal_is_as_confident_as_the_rules_were_right_on_dev():
    question = asked("How many jobs will the factory create?")
    model = load_model()
    assert 0.5 < model.rules_right < 1.0  # the rules are right more often than not, and not always
    verdict = read([_candidate("The factory opens next spring in the north.", typed=False)], question, 0, model)
    assert verdict.refused and verdict.confidence == model.rules_right


def test_confidence_is_mapped_to_how_often_such_answers_and_refusals_were_right():
    """The reader's product of probabilities counts only its best sentence; the shipped model maps it to how often
    dev answers stating it were right (fitted by `train_reader`'s last step), keeping their order."""
    model = load_model()
    assert model.answer_calibration is not None and model.refusal_calibration is not None
    question = asked("How many jobs will the factory create?")
    found = [_candidate("The factory will create 300 jobs."), _candidate("The factory opens in 2026, with 40 staff.")]
    answering = dataclasses.replace(model, refuse_below=0.0)
    verdict = read(found, question, 0, answering)
    raw = read(found, question, 0, dataclasses.replace(answering, answer_calibration=None, refusal_calibration=None))
    assert not verdict.refused and verdict.chosen == raw.chosen
    assert raw.confidence == pytest.approx(raw.answerable * raw.ranked[0].p)
    assert verdict.confidence == pytest.approx(calibrated(raw.confidence, model.answer_calibration))
    # on dev, answers stating 0.4 to 0.5 were right about 0.7 of the time: the map raises the middle, keeps the order
    assert calibrated(0.45, model.answer_calibration) > 0.5
    assert [calibrated(p, model.answer_calibration) for p in (0.1, 0.45, 0.9)] == sorted(
        calibrated(p, model.answer_calibration) for p in (0.1, 0.45, 0.9))
    assert calibrated(0.3, None) == 0.3
    refused = read(found, question, 0, dataclasses.replace(model, refuse_below=1.01))
    assert refused.refused and refused.confidence == pytest.approx(
        calibrated(1.0 - refused.answerable, model.refusal_calibration))


def test_passages_are_ordered_by_the_probability_that_the_answer_is_in_them():

    from qa.answer.reader import passages_by_reading
    from qa.types import ScoredPassage

    def passage(doc: str, *texts: str) -> Passage:
        text, spans, at = " ".join(texts), [], 0
        for t in texts:
            spans.append(Sentence(at, at + len(t), 1, 1))
            at += len(t) + 1
        return Passage(doc, 1, 1, text, tuple(spans))

    first, second, copy, last = (passage("a.txt", "One.", "Two."), passage("b.txt", "Three."),
                                 passage("c.txt", "One."), passage("d.txt", "Four."))

    def candidate(p: Passage, i: int) -> Candidate:
        return dataclasses.replace(_candidate("x"), passage=p, sentence=p.sentences[i], index=i)

    # retrieval's order a, b, c, d; the reader gives b the best sentence, a two that together weigh more
    ranked = [Ranked(candidate(second, 0), 0.4), Ranked(candidate(first, 0), 0.3), Ranked(candidate(first, 1), 0.2),
              Ranked(candidate(last, 0), 0.1)]  # c.txt only repeats a sentence of a.txt: never read
    retrieved = [ScoredPassage(p, score) for p, score in ((first, 0.9), (second, 0.8), (copy, 0.7), (last, 0.6))]
    ordered = passages_by_reading(retrieved, ranked)
    assert [s.passage.doc for s in ordered] == ["a.txt", "b.txt", "d.txt", "c.txt"]
    assert [s.score for s in ordered] == pytest.approx([0.5, 0.4, 0.1, 0.0])


def test_the_short_answer_is_the_best_sentences_even_when_an_earlier_one_is_quoted_first():

    first, second = "ABN Amro is to cut 2,850 jobs.", "Deutsche Bank will cut 1,920 jobs."
    passage = Passage("a.txt", 1, 2, f"{first} {second}",
                      (Sentence(0, len(first), 1, 1), Sentence(len(first) + 1, len(first) + 1 + len(second), 2, 2)))
    found = [dataclasses.replace(_candidate("x"), passage=passage, sentence=passage.sentences[i], index=i, short=span)
             for i, span in enumerate(("2,850 jobs", "1,920 jobs"))]
    model = dataclasses.replace(load_model(), refuse_below=0.0, second_ratio=0.01, second_within_words=10_000)

    def pair(candidates):  # the second sentence answers; the first is a close second
        return np.asarray([[3.0 if c is found[1] else 2.5, 0.0] for c in candidates])

    question = "How many jobs will Deutsche Bank cut?"
    verdict = read(found, asked(question), 0, model, pair)
    assert verdict.chosen == found  # both quoted, in the article's order
    assert verdict.ranked[0].candidate is found[1] and short_of(verdict, question, asked(question), model) == "1,920 jobs"


def test_a_second_sentence_that_rewords_the_first_gives_way_to_the_next():

    texts = ("Howard, who had been due to welcome delegates to the spring conference on Friday, will address them "
             "in a lunchtime speech.",
             "Tory leader Howard, who had been due to welcome delegates to the spring conference on Friday, will "
             "address them in a lunchtime speech.",
             "His speech was postponed after he stayed in London for the vote.")
    text = " ".join(texts)
    starts = [text.index(t) for t in texts]
    passage = Passage("a.txt", 1, 3, text, tuple(Sentence(at, at + len(t), i + 1, i + 1)
                                                for i, (at, t) in enumerate(zip(starts, texts))))
    found = [dataclasses.replace(_candidate("x"), passage=passage, sentence=passage.sentences[i], index=i)
             for i in range(3)]
    model = dataclasses.replace(load_model(), refuse_below=0.0, second_ratio=0.01, second_within_words=10_000)

    def pair(candidates):  # the copy is read almost as the first; the reason a little below
        return np.asarray([[{0: 9.0, 1: 7.0, 2: 5.0}[found.index(c)], 0.0] for c in candidates])

    verdict = read(found, asked("Why did Howard miss his Friday speech?"), 0, model, pair)
    assert [r.candidate for r in verdict.ranked[:2]] == found[:2]
    assert verdict.chosen == [found[0], found[2]]


def test_softmax_choice_sums_to_one_and_keeps_the_order():
    model = LinearModel(("a", "b"), np.zeros(2), np.ones(2), np.array([2.0, -1.0]), 0.0)
    p = model.choice(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]))
    assert p.sum() == pytest.approx(1.0) and list(np.argsort(-p)) == [0, 1, 2]


def test_nothing_retrieved_is_a_refusal():
    verdict = read([], asked("Who won?"), unknown_names=0)
    assert verdict.refused and verdict.chosen == [] and verdict.ranked == []


def test_the_pair_reader_reads_the_rankers_first_sentences_and_can_change_the_choice():

    question = asked("Who founded the company?")
    found = [_candidate(f"Sentence {i} about the company.", lexical=1.0 - i / 20, lexical_with_context=1.0 - i / 20)
             for i in range(PAIR_DEPTH + 4)]
    model = load_model()
    alone = rank(found, question, model).alone
    read_by_pair = []

    def pair(candidates):
        read_by_pair.extend(candidates)
        # the ranker's third sentence is the one the pair reader is sure of: its head's score, and its best span's
        return np.asarray([[5.0 if c is alone[2].candidate else 0.0, 0.0] for c in candidates])

    unchanged = read(found, question, 0, dataclasses.replace(model, pair_sha256=""), pair)
    assert unchanged.ranked[0].candidate is alone[0].candidate and read_by_pair == []
    verdict = read(found, question, 0, model, pair)
    assert {id(c) for c in read_by_pair} == {id(r.candidate) for r in alone[:PAIR_DEPTH]}
    assert verdict.ranked[0].candidate is alone[2].candidate
    assert sum(r.p for r in verdict.ranked) == pytest.approx(1.0)


def test_the_readers_order_weighs_how_much_of_the_question_the_article_says():
    """Two sentences the ranker rates alike: the one from the article that says the question's words comes first in
    the reader's order (a later sentence names its subject by a description: "the 28-year-old world number one"),
    while the ranker's own list, which the answerability model reads, is the same."""
    question = asked("How old is Lindsay Davenport?")
    other = _candidate("The 25-year-old world number two said she would play on.", article_lexical=0.4)
    told = _candidate("The 28-year-old world number one said she would play on.", article_lexical=1.0)
    model = load_model()
    ranking = rank([other, told], question, model)
    assert ranking.ranked[0].candidate is told
    assert [r.p for r in ranking.alone] == pytest.approx([0.5, 0.5])
    unordered = rank([other, told], question, dataclasses.replace(model, order=None))
    assert [r.p for r in unordered.ranked] == pytest.approx([0.5, 0.5])


def test_the_pair_readers_span_counts_for_a_question_that_wants_a_short_answer():
    found = [_candidate(f"Sentence {i} about the company.", lexical=1.0 - i / 20, lexical_with_context=1.0 - i / 20)
             for i in range(4)]
    model = load_model()
    who, why = asked("Who founded the company?"), asked("Why did the company close?")
    alone = rank(found, who, model).alone

    def pair(candidates):  # no sentence stands out but by the span of the ranker's last one
        return np.asarray([[0.0, 9.0 if c is alone[-1].candidate else 0.0] for c in candidates])

    assert reads_span(who) and rank(found, who, model, pair).ranked[0].candidate is alone[-1].candidate
    assert not reads_span(why)
    by_pair, alone_why = rank(found, why, model, pair).ranked, rank(found, why, model).alone
    assert [r.candidate for r in by_pair] == [r.candidate for r in alone_why]


def test_where_the_question_names_a_time_the_pair_reader_reads_the_articles_of_that_time():

    question = asked("Who led the company in 2004?")
    found = [_candidate(f"Sentence {i} about the company.", lexical=1.0 - i / 20, lexical_with_context=1.0 - i / 20)
             for i in range(PAIR_DEPTH + 4)]
    found[-3] = dataclasses.replace(found[-3], time_match=True)  # an undated sentence that mentions the year
    found[-2:] = [dataclasses.replace(c, time_match=True, published=date(2004, 5, 1)) for c in found[-2:]]
    read_by_pair = []

    def pair(candidates):
        read_by_pair.extend(candidates)
        return np.zeros((len(candidates), 2))

    rank(found, question, load_model(), pair)
    # those of the time first; the ranker's best of the others fill the places left (two sentences alone would make
    # "none of these answers" certain whenever neither does)
    assert {id(c) for c in read_by_pair[:2]} == {id(c) for c in found[-2:]}
    assert len(read_by_pair) == PAIR_DEPTH and any(c is found[0] for c in read_by_pair)
    read_by_pair.clear()
    rank(found[:-2], question, load_model(), pair)  # no article of the time: the ranker's best, as for any question
    assert len(read_by_pair) == PAIR_DEPTH


def test_a_question_is_refused_when_the_pair_reader_finds_none_of_its_sentences_answers():
    """The same sentences, ranked alike: what changes is whether the pair reader reads one of them as the answer or
    rates them all below "none of these"."""
    question = asked("Who founded the company?")
    found = [_candidate(f"Sentence {i} about the company.", lexical=1.0 - i / 20, lexical_with_context=1.0 - i / 20)
             for i in range(4)]
    model = load_model()

    def verdict(score: float):
        return read(found, question, 0, model, lambda candidates: np.asarray([[score, 0.0]] * len(candidates)))

    no_answer, one_may = verdict(model.pair_none - 20.0), verdict(model.pair_none + 20.0)
    assert no_answer.refused and not by_the_rules(no_answer.answerable)
    assert one_may.answerable > 10 * no_answer.answerable
    ranking = rank(found, question, model)  # read by the ranker alone
    # the geometric mean of the answerability model's probability and ~1
    assert one_may.answerable == pytest.approx(answerability(ranking, question, 0, model) ** 0.5, rel=1e-6)


def test_the_number_rule_reads_the_rankers_first_sentence_not_the_pair_readers():
    """With its spans the pair reader's first sentence holds a number more often, whether or not it answers; the
    rule that refuses a "how many" question reads the ranker's (docs/evaluation.md, "Answerability")."""
    question = asked("How many people attended the concert?")
    model = load_model()

    def verdict(first_typed: bool):
        weak = dict(dense=0.1, passage_dense=0.1, lexical=0.1, lexical_with_context=0.1, lexical_other=0.1,
                    names_found=0.0, bigrams=0.0)
        found = [_candidate("The concert was held in the park.", typed=first_typed, dense=0.9, lexical=1.0),
                 _candidate("Tickets were sold out.", typed=not first_typed, **weak)]
        alone = rank(found, question, model).alone
        assert alone[0].candidate is found[0]

        def pair(candidates):  # sure of the ranker's second sentence
            return np.asarray([[30.0 if c is found[1] else 0.0, 0.0] for c in candidates])

        return read(found, question, 0, model, pair), found

    answered, found = verdict(first_typed=True)
    # not refused; and the sentence that holds a number comes first, not the pair reader's, which holds none
    assert answered.ranked[0].candidate is found[0] and not by_the_rules(answered.answerable)
    refused, found = verdict(first_typed=False)
    assert refused.ranked[0].candidate is found[1] and refused.refused and by_the_rules(refused.answerable)


def test_a_quote_from_a_copied_passage_is_cited_in_each_copy_at_its_own_lines():
    from qa.answer.copies import MAX_COPIES, cite_copies
    from qa.types import Answer, Citation, ScoredPassage

    text = "Harbour news.\nThe bridge reopened yesterday after repairs.\nTraffic was light."
    sentences = (Sentence(0, 13, 5, 5), Sentence(14, 58, 6, 6), Sentence(59, 77, 7, 7))
    read, *copies = (Passage(doc, start, start + 2, text, sentences)
                     for doc, start in (("a.txt", 5), ("b.txt", 9), ("c.txt", 2), ("d.txt", 4)))
    other = Passage("z.txt", 3, 3, "Fares rose.", (Sentence(0, 11, 3, 3),))
    quote = read.sentence_text(sentences[1])
    answer = Answer("When did the bridge reopen?", f"{quote} [1] Fares rose. [2]",
                    [Citation(1, "a.txt", 6, 6, quote), Citation(2, "z.txt", 3, 3, "Fares rose.")], False,
                    [], "extractive")
    dates = {"b.txt": date(2021, 5, 2)}

    cited = cite_copies(answer, [ScoredPassage(read, 0.9, tuple(copies)), ScoredPassage(other, 0.5)],
                        lambda doc: (doc.upper(), dates.get(doc), None))
    assert MAX_COPIES == 2  # d.txt, the third copy, is not cited
    assert [(c.n, c.doc, c.start_line, c.end_line, c.copy_of) for c in cited.citations] == [
        (1, "a.txt", 6, 6, None), (2, "z.txt", 3, 3, None), (3, "b.txt", 10, 10, 1), (4, "c.txt", 3, 3, 1)]
    # the same words, each file's own title and date, and relative dates resolved against that date
    assert {c.quote for c in cited.citations[2:]} == {quote}
    assert (cited.citations[2].title, cited.citations[2].published) == ("B.TXT", date(2021, 5, 2))
    assert cited.citations[2].resolved_dates == ("yesterday = 1 May 2021",) and cited.citations[3].resolved_dates == ()
    assert cited.text == f"{quote} [1][3][4] Fares rose. [2]"
    assert cited.citations[2].to_json()["copy_of"] == 1 and "copy_of" not in cited.citations[0].to_json()
    # a passage no other file carries is cited once, as it was
    assert cite_copies(answer, [ScoredPassage(read, 0.9), ScoredPassage(other, 0.5)], lambda doc: (doc, None, None)) \
        == answer
    # the answer object lists where retrieval found the text, after the passage read: a scorer looking for a line of
    # b.txt finds it among the passages, as among the citations
    listed = dataclasses.replace(answer, passages=[ScoredPassage(read, 0.9, tuple(copies)), ScoredPassage(other, 0.5)])
    assert [(p["doc"], p["start_line"], p["end_line"], p.get("copy_of")) for p in listed.to_json()["passages"]] == [
        ("a.txt", 5, 7, None), ("b.txt", 9, 11, "a.txt"), ("c.txt", 2, 4, "a.txt"), ("z.txt", 3, 3, None)]


def test_a_quote_that_a_later_story_repeats_word_for_word_is_cited_there_too():
    """A follow-up story often repeats a sentence of the first one in a passage of its own (not a copy of the whole
    passage): another passage read that holds the quote as written is cited too, at the quote's own lines there."""
    from qa.answer.copies import COPIED_WORDS, cite_copies
    from qa.types import Answer, Citation, ScoredPassage

    quote = "The bridge reopened on Tuesday after six weeks of repairs."
    first = Passage("a.txt", 5, 5, quote, (Sentence(0, len(quote), 5, 5),))
    follow_up_text = f"Drivers welcomed the news.\nThey had waited long. {quote} Tolls stay."
    follow_up = Passage("b.txt", 7, 8, follow_up_text, ())
    same_file = Passage("a.txt", 9, 9, f"As said, {quote}", ())
    short = "Tolls stay."
    answer = Answer("When did the bridge reopen?", f"{quote} [1] {short} [2]",
                    [Citation(1, "a.txt", 5, 5, quote), Citation(2, "c.txt", 2, 2, short)], False, [], "extractive")
    read = [ScoredPassage(first, 0.9), ScoredPassage(same_file, 0.5), ScoredPassage(follow_up, 0.4)]

    cited = cite_copies(answer, read, lambda doc: (doc, None, None))
    assert len(short.split()) < COPIED_WORDS <= len(quote.split())  # "Tolls stay." is in b.txt too, but too short
    assert [(c.n, c.doc, c.start_line, c.end_line, c.copy_of) for c in cited.citations[2:]] == [(3, "b.txt", 8, 8, 1)]
    assert cited.text == f"{quote} [1][3] {short} [2]"
    # a line the answer already cites is not cited again as a copy
    both = Answer(answer.question, answer.text, [answer.citations[0], Citation(2, "b.txt", 8, 8, quote)], False, [],
                  "extractive")
    assert cite_copies(both, read, lambda doc: (doc, None, None)) == both


def test_the_names_an_article_leaves_unsaid_count_a_run_of_capitalised_words_as_one_name():
    from qa.answer.extractive import names_unsaid

    unsaid = names_unsaid("What did William Hill say about the Celebrity Big Brother eviction in May?", {})
    assert unsaid(frozenset(terms("The bookmaker Hill closed its book on Celebrity Big Brother."))) == []
    assert unsaid(frozenset(terms("The bookmaker closed its book on the show."))) == [
        "William Hill", "Celebrity Big Brother"]
    # a month is not a name, a demonym is its country's, and a word that begins a sentence is no name
    assert names_unsaid("What did Iranian officials say in May?", {})(frozenset(terms("Iran said nothing."))) == []
    assert names_unsaid("The talks were in Baku. According to Zarif, who gains?", {})(frozenset()) == ["Baku", "Zarif"]
    # "&" joins a name: "Tate & Lyle" is one, said where either word is, and written as the question writes it
    unsaid = names_unsaid("Did Iain Ferguson say Tate & Lyle would sell its sugar arm?", {})
    assert unsaid(frozenset(terms("Lyle shares rose."))) == ["Iain Ferguson"]
    assert unsaid(frozenset(terms("Shares rose."))) == ["Iain Ferguson", "Tate & Lyle"]
    # and so does "of": "Isle of Wight" is one name (the note said "never mentions Isle or Wight")
    unsaid = names_unsaid("Who are the headliners at the Isle of Wight festival?", {})
    assert unsaid(frozenset(terms("The Wight festival sold out."))) == []
    assert unsaid(frozenset(terms("The festival sold out."))) == ["Isle of Wight"]


def _two_stories(folder):
    folder.mkdir()
    (folder / "toll.txt").write_text(
        "Harbour bridge toll rises\nPublished: 3 March 2023\n"
        "The toll for cars on the harbour bridge is now 12 dollars, the city council said.\n"
        "Drivers complained about the rise.\n", encoding="utf-8")
    (folder / "ferries.txt").write_text(
        "Ferry company changes hands\nPublished: 4 March 2023\n"
        "Maria Lopez has bought the Acme Ferries company from its founders.\n"
        "Its boats cross the harbour every hour.\n", encoding="utf-8")
    return folder


def test_an_answer_from_an_article_that_never_names_who_the_question_asks_about_is_refused(tmp_path, settings_for,
                                                                                          monkeypatch):
    """The toll sentence answers "how much" but its article never mentions Maria Lopez or Acme Ferries, which another
    article does: a rule's refusal, which the answer explains; a question about the council, which the article names,
    is not refused by the rule."""

    from qa.answer import reader
    from qa.answer.engine import Engine
    from qa.ingest.sync import ingest

    settings = settings_for(_two_stories(tmp_path / "articles"), tmp_path / "store", chroma_host=None)
    ingest(settings)
    engine = Engine(settings)
    assert engine.retriever.article_terms("ferries.txt") >= set(terms("Maria Lopez Acme ferry boats"))
    model = load_model()

    def verdict(question: str, rule: int | None):
        found = engine.evidence(question)
        return read(found.candidates, found.asked, found.unknown_names, dataclasses.replace(model, refuse_unsaid=rule))

    question = "How much does Maria Lopez charge at Acme Ferries for a car to cross the harbour?"
    refused = verdict(question, 2)
    assert refused.refused and by_the_rules(refused.answerable)
    assert refused.ranked[0].candidate.passage.doc == "toll.txt"
    assert not by_the_rules(verdict(question, None).answerable)
    named = verdict("How much does the City Council charge Harbour drivers for a car to cross the bridge?", 2)
    assert not by_the_rules(named.answerable)
    # The chat's answer says why it refused.
    monkeypatch.setattr(reader, "load_model", lambda: dataclasses.replace(model, refuse_unsaid=2))
    answer = engine.ask(question, mode="extractive")
    assert answer.refused
    assert "The article closest to an answer never mentions Maria Lopez or Acme Ferries." in answer.notes
    # The same question typed in lower case: its names are read as the articles write them.
    typed = engine.ask(question.lower(), mode="extractive")
    assert typed.refused and "The article closest to an answer never mentions Maria Lopez or Acme Ferries." in typed.notes
    assert typed.question == question.lower()


def test_a_question_in_lower_case_is_read_as_the_passages_write_its_words():
    from qa.answer.extractive import cased_as_in

    text = "Maria Lopez has bought the Acme Ferries company. Its boats cross the harbour. MARIA LOPEZ BUYS FERRIES"
    spans, at = [], 0
    for part in ("Maria Lopez has bought the Acme Ferries company.", "Its boats cross the harbour.",
                 "MARIA LOPEZ BUYS FERRIES"):
        spans.append(Sentence(at, at + len(part), 1, 1))
        at += len(part) + 1
    passage = Passage("a.txt", 1, 1, text, tuple(spans))
    assert cased_as_in("what did maria lopez pay for acme's boats?", [passage]) == \
        "what did Maria Lopez pay for Acme's boats?"  # the headline, in capitals, does not count
    assert cased_as_in("What did maria lopez pay?", [passage]) == "What did Maria Lopez pay?"
    assert cased_as_in("What did Lopez pay for acme?", [passage]) == "What did Lopez pay for acme?"  # as typed


def test_the_names_rule_is_chosen_on_dev_only_where_it_refuses_unanswerable_questions_alone():
    """Questions alike but for how many of their names the best sentence's article leaves unsaid: refusing at two
    refuses only unanswerable ones; at one, more answerable ones than the false-refusal budget allows."""

    from qa.answer.reader import ranker_rows
    from qa.evaluation.train_reader import Example, choose

    text = "Who runs the ferry company?"
    question = asked(text)

    def example(n: int, answerable: bool, unsaid: int) -> Example:
        found = [_candidate("Maria Lopez runs the company.", names_unsaid=("Maria Lopez", "Acme")[:unsaid])]
        return Example(f"q{n}", f"q{n}", text, "bbc", answerable, (("Lopez",),), question, found, 0,
                       ranker_rows(found, question), np.ones(1))

    kinds = [(True, 0)] * 16 + [(True, 1)] * 4 + [(False, 2)] * 10 + [(False, 0)] * 10
    dev = [example(n, answerable, unsaid) for n, (answerable, unsaid) in enumerate(kinds)]
    chosen = choose(dataclasses.replace(load_model(), pair_sha256=""), dev, None)
    assert chosen.refuse_unsaid == 2
    refused = [read(e.candidates, e.asked, 0, chosen).refused for e in dev]
    assert refused == [False] * 20 + [True] * 10 + [False] * 10


class _PairsReadingSpans:
    """A pair reader's scores for `train_reader.choose_span`: no sentence stands out, and each example's first span
    scores as its table says (the others 0)."""

    def __init__(self, first_span: dict[str, float]) -> None:
        self.first_span = first_span

    def __call__(self, example):
        return lambda found: np.zeros((len(found), 2))

    def spans(self, example):
        return lambda sentence, spans: [self.first_span[example.id]] + [0.0] * (len(spans) - 1)


def test_the_pair_readers_span_leads_where_its_picks_are_as_often_right_as_the_rules_spans():
    """Four answers whose span the rules find (three right), six with two names where the pair reader picks: the
    least score kept is the lowest at which its picks are right at least as often (3 of 4)."""

    from qa.answer.reader import ranker_rows
    from qa.evaluation.train_reader import Example, choose_span

    text = "Who runs the ferry company?"
    question = asked(text)

    def example(n: int, sentence: str, fact: str) -> Example:
        found = [_candidate(sentence, short=short_answer(question, sentence, text))]
        return Example(f"q{n}", f"q{n}", text, "bbc", True, ((fact,),), question, found, 0,
                       ranker_rows(found, question), np.ones(1))

    alone, two = "Maria Lopez runs the company.", "Maria Lopez met John Smith at the port."
    dev = [example(n, alone, fact) for n, fact in enumerate(("Lopez", "Lopez", "Lopez", "Smith"))]
    picks = {5.0: "Lopez", 4.0: "Lopez", 3.0: "Smith", 2.0: "Lopez", 1.0: "Smith", 0.5: "Smith"}
    dev += [example(n, two, fact) for n, fact in enumerate(picks.values(), start=len(dev))]
    pairs = _PairsReadingSpans({e.id: score for e, score in zip(dev[4:], picks)} | {e.id: 0.0 for e in dev[:4]})
    model = dataclasses.replace(load_model(), refuse_below=0.0, refuse_unsaid=None)
    assert [e.candidates[0].short for e in dev] == ["Maria Lopez"] * 4 + [None] * 6
    chosen = dataclasses.replace(model, span_above=choose_span(dev, model, pairs))
    assert chosen.span_above == 2.0  # picks from 5 down to 2: 3 of 4 right; down to 1, 3 of 5
    shorts = [short_of(read(e.candidates, e.asked, 0, chosen, pairs(e)), text, question, chosen, pairs.spans(e))
              for e in dev]
    assert shorts == ["Maria Lopez"] * 4 + ["Maria Lopez"] * 4 + [None] * 2


def test_the_pair_reader_scores_a_span_by_its_first_and_last_tokens_as_it_scores_the_best_one():
    from qa.answer.pair_reader import pair_reader

    reader = pair_reader()
    question, sentence = "Who won best film?", "The Aviator was declared best film, and Cate Blanchett won."
    aviator = (sentence.index("Aviator"), sentence.index(" was"))
    blanchett = (sentence.index("Cate"), sentence.index(" won."))
    best = reader.read(question, [sentence])[0][1]
    scores = reader.span_scores(question, sentence, [aviator, blanchett, (3, 4)])
    assert max(scores[:2]) <= best + 1e-6 and scores[2] == -np.inf  # the best span's score bounds every span's


def test_who_someone_is_is_looked_for_beyond_the_passages_that_name_them_most(tmp_path):
    """The stories that quote someone rank above the one that says who they are: with one passage read, the answer
    still comes from the sentence that describes them, found among the passages retrieval ranks next."""
    from qa.answer.engine import Engine
    from qa.config import Settings
    from qa.ingest.sync import ingest

    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(2):
        (articles / f"quote{n}.txt").write_text(
            f"Jane Roe speaks on rates {n}\n\nJane Roe said rates would rise. Jane Roe said it twice, and Jane Roe "
            f"said it again on day {n}. Markets fell as Jane Roe spoke.\n", encoding="utf-8")
    (articles / "profile.txt").write_text(
        "Bank names new adviser\n\nThe bank has hired chief economist Jane Roe from a rival lender.\n", encoding="utf-8")
    settings = Settings(articles_dir=articles, store_dir=tmp_path / "store", chroma_host=None,
                        answer_mode="extractive")
    ingest(settings)
    answer = Engine(settings).ask("Who is Jane Roe?", top_k=1)
    assert not answer.refused and "chief economist" in answer.text, answer.text
    assert answer.citations[0].doc == "profile.txt"
    assert Engine(settings).ask("Who is John Doe?", top_k=1).refused  # named nowhere


@pytest.mark.parametrize("question, who", [
    ("What did Maria Lopez tell the harbour board about fares?", "Maria Lopez"),
    ("How has the mayor's deputy, Tom Reyes, described the plan?", None),  # a role first: not read as a name
    ("How did Okafor describe the deal when he met the unions?", "Okafor"),
    ("When the talks ended, what did Chen also say about wages?", "Chen"),
    ("According to Statistics Norway, how many homes were sold?", "Statistics Norway"),
    ("What did the council's spokeswoman say?", None),  # no name: nobody to look for
    ("Who said the bridge would close?", None),
])
def test_a_question_that_asks_for_someones_words_names_them(question, who):
    from qa.answer.speakers import asked_speaker

    assert asked_speaker(question) == who


@pytest.mark.parametrize("sentence, before, who", [
    ('"Fares will not rise this year," Maria Lopez said.', None, "Maria Lopez"),
    ("For her part, Okafor stressed the need for more ferries.", None, "Okafor"),
    ("Chen, the union's general secretary, told reporters the strike was over.", None, "Chen"),
    ("The offer was welcomed by Okafor, who said she would sign it.", None, "Okafor"),
    ('"We will build two more," said harbour master Ian Doyle.', None, "Ian Doyle"),
    ("Prices rose 4%, according to Statistics Norway.", None, "Statistics Norway"),
    # a pronoun speaks for whoever spoke in the sentence before; what is said is not who says it
    ("He said that Acme Ferries would also bid.", "Chen", "Chen"),
    ("She added that the boats were old.", None, None),
    ("The boats cross the harbour every hour.", "Chen", None),
    ("Chen told Okafor the strike was over.", None, "Chen"),  # whom something is told is no speaker
])
def test_the_speaker_of_a_sentence(sentence, before, who):
    from qa.answer.speakers import speaker

    assert speaker(sentence, before) == who


@pytest.mark.parametrize("sentence, opens", [
    ("He pointed to strategic cooperation.", True),
    ("For her part, she said the talks went well.", True),
    ("It could cost pounds 80m to run.", False),  # an "it" that stands for nothing, or for an event
    ("It comes after the minister resigned.", False),
    ('"She is very able," said the minister.', False),  # someone the speaker talks about
    ("Italy won the match.", False),
    ("The minister said he would go.", False),
])
def test_a_sentence_whose_subject_is_a_pronoun(sentence, opens):
    from qa.answer.speakers import pronoun_subject

    assert pronoun_subject(sentence) == opens


def test_he_or_she_does_not_stand_for_the_company_a_question_asks_for():
    from qa.answer.speakers import pronoun_subject

    company = asked("Which TV company is the games firm in talks with?").focus
    assert not pronoun_subject("He said the company was in talks.", company)
    assert pronoun_subject("He said the company was in talks.", asked("Which executive spoke?").focus)


def test_a_question_for_someones_words_is_answered_by_a_sentence_they_say(tmp_path, settings_for):
    """Two people speak in one report; asked what one of them said to the other, the reader quotes that one's words,
    also where a pronoun carries them ("She added ..."), not the other's reply, which names both."""
    from qa.answer.engine import Engine
    from qa.ingest.sync import ingest

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "talks.txt").write_text(
        "Ferry strike talks end\nPublished: 9 May 2023\n"
        "Union leader Grace Okafor met Acme Ferries chief executive Daniel Chen in Portsmouth on Monday.\n"
        "Okafor told Chen that crews wanted a 6% pay rise and shorter shifts on the night crossings.\n"
        "She added that the strike would go on until the company made a written offer.\n"
        "For his part, Chen told Okafor that the company could not afford more than 3% this year.\n", encoding="utf-8")
    (folder / "weather.txt").write_text(
        "Storms close the harbour\nPublished: 2 May 2023\n"
        "High winds closed Portsmouth harbour for two days, stranding ferry passengers.\n", encoding="utf-8")
    settings = settings_for(folder, tmp_path / "store", chroma_host=None)
    ingest(settings)
    engine = Engine(settings)
    for question, said in (("What did Chen tell Okafor about the pay rise?", "3%"),
                           ("What did Okafor say to Chen about the pay rise?", "6%"),
                           ("What did Okafor say would happen to the strike?", "until the company")):
        found = engine.evidence(question)
        verdict = read(found.candidates, found.asked, found.unknown_names)
        assert not verdict.refused and said in verdict.ranked[0].candidate.text, question
        assert said in engine.ask(question, mode="extractive").text
    # "who ...?" answered by a sentence whose subject is a pronoun: led by whom it stands for, whose sentence is
    # quoted (and cited) too
    answer = engine.ask("Who said the strike would go on until the company made an offer in writing?",
                        mode="extractive")
    assert answer.text.startswith("Grace Okafor — ") or answer.text.startswith("Okafor — "), answer.text
    assert [c.start_line for c in answer.citations] == [4, 5]


def test_the_sentence_before_a_passage_is_the_last_of_the_passage_before_it_in_its_article(tmp_path, settings_for):
    from qa.answer.engine import Engine
    from qa.ingest.sync import ingest

    folder = tmp_path / "articles"
    folder.mkdir()
    body = "\n\n".join(f"Paragraph {n} tells of crossing number {n} of the harbour ferry on its long route." * 3
                       for n in range(1, 13))
    (folder / "long.txt").write_text(f"A long report\nPublished: 9 May 2023\n{body}\n", encoding="utf-8")
    settings = settings_for(folder, tmp_path / "store", chroma_host=None)
    ingest(settings)
    retriever = Engine(settings).retriever
    passages = sorted((retriever.tables.passages[pid] for pid in retriever.tables.passages_of("long.txt")),
                      key=lambda p: p.start_line)
    assert len(passages) > 1
    assert retriever.sentence_before(passages[0]) is None
    for earlier, later in zip(passages, passages[1:]):
        assert retriever.sentence_before(later) == (earlier, earlier.sentences[-1])
