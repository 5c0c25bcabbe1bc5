import json
import re

import pytest

from qa.config import PROJECT_ROOT
from qa.evaluation.questionset import (
    ResolveError,
    load_questions,
    main,
    resolve,
    split_of,
)
from qa.types import GoldSource, Question

ARTICLE = "Title line\n\nTehran and Baku share a 700-kilometer border.\nThe border is long.\nThe border is long."


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def articles(tmp_path):
    d = tmp_path / "articles"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return d


def src_row(**kw):
    row = {
        "id": "a001",
        "question": "How long is the border?",
        "kind": "number",
        "answerable": True,
        "must": [["700"]],
        "gold": [{"doc": "a.txt", "quote": "share a 700-kilometer border"}],
    }
    row.update(kw)
    return row


UNANSWERABLE = {"id": "a002", "question": "Population of Baku?", "kind": "unanswerable", "answerable": False,
                "must": [], "gold": []}


def test_resolve_good_source(tmp_path, articles):
    src = write_jsonl(tmp_path / "src.jsonl", [src_row(), UNANSWERABLE])
    rows = resolve(src, articles)
    assert rows[0] == {
        "id": "a001", "question": "How long is the border?", "kind": "number", "answerable": True,
        "must": [["700"]], "sources": [{"doc": "a.txt", "line": 3}], "quotes": ["share a 700-kilometer border"],
    }
    assert rows[1]["sources"] == [] and rows[1]["must"] == []


@pytest.mark.parametrize(
    "row, reason",
    [
        (src_row(gold=[{"doc": "missing.txt", "quote": "x"}]), "not found in"),
        (src_row(gold=[{"doc": "a.txt", "quote": "800-kilometer"}]), "not found in a.txt"),
        (src_row(gold=[{"doc": "a.txt", "quote": "The border is long"}], must=[["long"]]), "found in 2 lines"),
        (src_row(must=[["700"], ["Yerevan", "Armenia"]]), "'Yerevan' occurs in none"),
        (src_row(answerable=False), "unanswerable question must have empty"),
        (src_row(gold=[]), "answerable question with empty 'gold'"),
        (src_row(must=[]), "answerable question with empty 'must'"),
    ],
)
def test_resolve_errors(tmp_path, articles, row, reason):
    src = write_jsonl(tmp_path / "src.jsonl", [row])
    with pytest.raises(ResolveError) as exc:
        resolve(src, articles)
    assert "a001" in str(exc.value) and reason in str(exc.value)


def test_resolve_lists_every_error_and_cli_exits_1(tmp_path, articles, capsys):
    rows = [src_row(gold=[{"doc": "a.txt", "quote": "nope"}]), src_row(id="a003", must=[["zzz"]]), src_row(id="a003")]
    src = write_jsonl(tmp_path / "src.jsonl", rows)
    with pytest.raises(ResolveError) as exc:
        resolve(src, articles)
    assert len(exc.value.errors) == 3
    out = tmp_path / "out.jsonl"
    assert main(["resolve", str(src), "--articles", str(articles), "--out", str(out)]) == 1
    assert "3 error(s)" in capsys.readouterr().err and not out.exists()


def test_cli_round_trip(tmp_path, articles, capsys):
    src = write_jsonl(tmp_path / "src.jsonl", [src_row(), UNANSWERABLE])
    out = tmp_path / "out.jsonl"
    assert main(["resolve", str(src), "--articles", str(articles), "--out", str(out)]) == 0
    assert load_questions(out) == [
        Question("a001", "How long is the border?", "number", True, (("700",),), (GoldSource("a.txt", 3),)),
        Question("a002", "Population of Baku?", "unanswerable", False, (), ()),
    ]
    assert main(["check", str(out)]) == 0
    assert "2 questions" in capsys.readouterr().out


def test_a_follow_up_keeps_the_questions_before_it_and_its_conversation_one_split(tmp_path, articles):
    chat = ["Which two countries share the border?", "How long is it?"]
    rows = [src_row(id=f"c{i:03d}", question="And how long is it?", history=chat[:1] + [f"Is it {i} km?"])
            for i in range(40)]
    src = write_jsonl(tmp_path / "src.jsonl", [src_row(), *rows, src_row(id="c999", history="How long?")])
    with pytest.raises(ResolveError) as exc:
        resolve(src, articles)
    assert exc.value.errors == [f"{src}:42 (c999): 'history' must be a list of non-empty strings (the questions "
                                "asked before, oldest first)"]
    src = write_jsonl(src, [src_row(), *rows])
    resolved = resolve(src, articles)
    assert "history" not in resolved[0] and resolved[1]["history"] == chat[:1] + ["Is it 0 km?"]
    out = tmp_path / "out.jsonl"
    assert main(["resolve", str(src), "--articles", str(articles), "--out", str(out)]) == 0
    assert load_questions(out)[1].history == (chat[0], "Is it 0 km?") and load_questions(out)[0].history == ()
    # 40 follow-ups of one conversation (its first question) land in one split, whichever article they cite
    assert main(["split", str(src), "--articles", str(articles), "--out-prefix", str(tmp_path / "s"),
                 "--by", "id"]) == 0
    sizes = {part: len(load_questions(tmp_path / f"s-{part}.jsonl")) for part in ("train", "dev", "test")}
    assert sorted(sizes.values()) == [0, 1, 40] or sorted(sizes.values()) == [0, 0, 41], sizes


GOOD = {"id": "q1", "question": "?", "kind": "factoid", "answerable": True, "must": [["x"]],
        "sources": [{"doc": "a.txt", "line": 1}]}


@pytest.mark.parametrize(
    "lines, problem",
    [
        (["{not json"], ":1: bad JSON"),
        ([{k: v for k, v in GOOD.items() if k != "kind"}], ":1: missing field 'kind'"),
        ([GOOD | {"sources": []}], ":1: answerable question with empty 'sources'"),
        ([GOOD | {"must": []}], ":1: answerable question with empty 'must'"),
        ([GOOD | {"sources": [{"doc": "a.txt", "line": 0}]}], ":1: bad source"),
        ([GOOD, GOOD], ":2: duplicate id 'q1'"),
    ],
)
def test_load_questions_errors(tmp_path, lines, problem):
    path = write_jsonl(tmp_path / "qs.jsonl", lines)
    with pytest.raises(ValueError) as exc:
        load_questions(path)
    assert str(path) in str(exc.value) and problem in str(exc.value)


SETS = PROJECT_ROOT / "qa" / "evaluation" / "questions"


# The reader's question sets: every near-miss is checked against its article --------------------------------------
BBC = PROJECT_ROOT.parent / "shared" / "corpora" / "bbc"
# The sets written for the reader are the ones with a test or a dev split (the two oldest, which tuned the hand-set
# scorer, have neither). `questionset split` made train, dev and test splits of most, the BBC ones by article; some
# are held out whole (only a test split: nothing was fitted or chosen on any of their questions); a probe is a dev
# split alone (read to find where answers go wrong, so it counts as chosen on).
SPLIT_NAMES = sorted({path.name.rsplit("-", 1)[0] for part in ("test", "dev") for path in SETS.glob(f"*-{part}.jsonl")})
NEAR_MISS_SETS = [(f"{name}.src.jsonl", BBC if name.startswith("bbc") else PROJECT_ROOT / "store" / "articles")
                  for name in SPLIT_NAMES]
BBC_SETS = tuple(name for name in SPLIT_NAMES if name.startswith("bbc"))
SPLIT_SETS = tuple(name for name in BBC_SETS if (SETS / f"{name}-train.jsonl").is_file())
HELD_OUT = tuple(name for name in BBC_SETS if name not in SPLIT_SETS and (SETS / f"{name}-test.jsonl").is_file())
PROBES = tuple(name for name in BBC_SETS if name not in SPLIT_SETS + HELD_OUT)
# Follow-ups: every line asked after the questions before it in a chat (`history`)
FOLLOW_UP_SETS = tuple(name for name in SPLIT_NAMES if (SETS / f"{name}-test.jsonl").is_file() and all(
    json.loads(line).get("history") for line in (SETS / f"{name}-test.jsonl").read_text().splitlines() if line))


@pytest.mark.parametrize("name, articles", NEAR_MISS_SETS)
def test_unanswerable_near_misses_ask_for_what_their_article_lacks(name, articles):
    """Each unanswerable question names the article it is about (`near`) and patterns for the detail it asks for
    (`absent`), and none of them occurs in that article: the guard that a near-miss is really not answered there."""
    if not articles.is_dir():
        pytest.skip(f"the corpus is not at {articles}")
    rows = [json.loads(line) for line in (SETS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    near_misses = [r for r in rows if not r["answerable"]]
    assert len(near_misses) >= 0.2 * len(rows)
    for row in near_misses:
        assert row.get("near") and row.get("absent"), row["id"]
        text = (articles / row["near"]).read_text(encoding="utf-8")
        for pattern in row["absent"]:
            assert re.search(pattern, text, re.I) is None, (row["id"], pattern)


def _split_rows(name: str, part: str) -> list[dict]:
    return [json.loads(line) for line in (SETS / f"{name}-{part}.jsonl").read_text().splitlines() if line]


@pytest.mark.parametrize("name", SPLIT_SETS)
def test_the_split_is_fixed_by_article(name):
    """All questions about one article are in one split, the one its hash gives; all follow-ups of one chat (by its
    first question) are."""
    splits = {}
    for part in ("train", "dev", "test"):
        for row in _split_rows(name, part):
            for key in row.get("history", [])[:1] or [source["doc"] for source in row["sources"][:1]]:
                splits.setdefault(key, set()).add(part)
    assert splits and all(len(parts) == 1 for parts in splits.values())
    assert all(split_of(doc) in parts for doc, parts in splits.items())


def test_no_bbc_test_article_is_trained_on_under_another_name():
    """The corpus has exact copies of some articles under other names: no copy of a test question's article is the
    article of a question that the reader is fitted or chosen on (train, dev, or the older bbc.jsonl). (A few bbc2
    test questions span two articles, one of which train questions are about; the split goes by the first.)"""
    if not BBC.is_dir():
        pytest.skip(f"the corpus is not at {BBC}")
    copies = {}
    for path in BBC.rglob("*.txt"):
        body = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[-1]
        copies.setdefault(body, set()).add(str(path.relative_to(BBC)))
    story = {doc: frozenset(group) for group in copies.values() for doc in group}
    # The follow-up sets (`history`) are left out: the reader is never fitted on them, and what was chosen on their
    # train and dev (how a follow-up is read) reads the conversation, not the articles, which are other sets' too.
    fitted = [row for name in SPLIT_SETS if name not in FOLLOW_UP_SETS for part in ("train", "dev")
              for row in _split_rows(name, part)]
    fitted += [json.loads(line) for line in (SETS / "bbc.jsonl").read_text().splitlines() if line]
    fitted_docs = {s["doc"] for row in fitted for s in row["sources"]}
    tested = {s["doc"] for name in SPLIT_SETS + HELD_OUT if name not in FOLLOW_UP_SETS
              for row in _split_rows(name, "test") for s in row["sources"]}
    assert tested and not [doc for doc in tested if (story[doc] - {doc}) & fitted_docs]
    # A set held out whole was drawn from articles no other set asks about, nor copies of them; so was a probe.
    held_out = {s["doc"] for name in HELD_OUT for row in _split_rows(name, "test") for s in row["sources"]}
    probed = {s["doc"] for name in PROBES for row in _split_rows(name, "dev") for s in row["sources"]}
    assert not [doc for doc in held_out if story[doc] & fitted_docs]
    assert PROBES and not [doc for doc in probed if story[doc] & (fitted_docs | tested)]
