"""`qa bench` on the five bundled articles: every stage runs and writes sane results (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from qa.evaluation.bench import SYSTEMS, original_doc, replicate

REPO = Path(__file__).resolve().parent.parent


def test_bench_on_the_bundled_articles_writes_results_table_and_plot(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "bench", "--sizes", "bundled", "--work-dir", str(tmp_path / "work"),
         "--out", str(out), "--rounds", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    results = json.loads((out / "results.json").read_text())
    cold = results["bundled/ours/embedded/ingest-cold"]
    assert (cold["articles"], cold["passages"]) == (5, 48)
    assert cold["seconds"] > 0 and 0 < cold["embedded"] <= cold["sentences"] and cold["rss_mb"] > 0
    again = results["bundled/ours/embedded/ingest-unchanged"]
    assert again["changed"] == 0 and again["wall_s"] > 0
    questions = sum(1 for line in (REPO / "qa" / "evaluation" / "questions" / "articles.jsonl").open() if line.strip())
    for system in SYSTEMS:
        query = results[f"bundled/{system}/embedded/query"]
        assert query["questions"] == questions
        for part in ("retrieve", "answer", "total"):
            assert 0 < query[f"{part}_p50"] <= query[f"{part}_p95"] <= query[f"{part}_p99"]
        assert query["total_p50"] >= query["retrieve_p50"]
        assert 0 <= query["quality"]["hit5"] <= 1 and query["quality"]["n"] == questions
        assert query["rss_mb"] > 0 and isinstance(query["load"], float)
    # Our pipeline finds the gold passage in its top five for most questions; the baseline's two chunks differ.
    assert results["bundled/ours/embedded/query"]["quality"]["hit5"] > 0.5
    assert results["bundled/ours/embedded/cold-ask"]["seconds"] > 0
    ui = results["bundled/ours/embedded/ui-ready"]
    assert ui["seconds"] > 0 and ui["rss_mb"] >= ui["rss_ready_mb"] > 0

    table = (out / "results.md").read_text()
    for heading in ("### Ingest", "### Warm questions (ms)", "### Cold start and app memory", "### Quality"):
        assert heading in table
    assert "| bundled | embedded | llamaindex |" in table
    svg = ET.parse(out / "growth.svg").getroot()
    assert svg.tag.endswith("svg") and len(svg.findall(".//{*}rect")) > 5  # bars were drawn
    assert result.stdout.strip().startswith("Written by `qa bench`")


def test_replica_copies_are_distinct_articles_with_their_original_lines(tmp_path):
    source = tmp_path / "src"
    (source / "sport").mkdir(parents=True)
    (source / "sport" / "001.txt").write_text("Title\n\nFirst line.\nSecond line.\n")
    (source / "README.TXT").write_text("not an article\n")
    target = replicate(source, tmp_path / "bbc4", copies=2)
    one, two = (target / "copy1" / "sport" / "001.txt").read_text(), (target / "copy2" / "sport" / "001.txt").read_text()
    assert one != two
    assert one.splitlines()[:4] == two.splitlines()[:4] == ["Title", "", "First line.", "Second line."]
    assert not (target / "copy1" / "README.TXT").exists()
    assert original_doc("copy2/sport/001.txt") == "sport/001.txt" and original_doc("sport/001.txt") == "sport/001.txt"


def test_get_all_reads_a_collection_larger_than_one_page(tmp_path, monkeypatch):
    """At the bbc4 size one get() of every passage exceeded SQLite's bound-variable limit; reads are paged."""
    import chromadb

    from qa.index import store

    monkeypatch.setattr(store, "PAGE", 10)
    collection = chromadb.PersistentClient(path=str(tmp_path / "chroma")).create_collection("paged")
    collection.add(ids=[f"id{i:02d}" for i in range(25)], embeddings=[[float(i), 1.0] for i in range(25)],
                   documents=[f"text {i}" for i in range(25)])
    got = store.get_all(collection, ["documents"])
    assert sorted(got["ids"]) == [f"id{i:02d}" for i in range(25)]
    assert {d: i for i, d in zip(got["ids"], got["documents"])} == {f"text {i}": f"id{i:02d}" for i in range(25)}
