"""Hostile inputs and queries that once read garbage, leaked or crashed (issue 14): binary formats without NUL
bytes, UTF-16 files, federated SPARQL, embedded Cypher reaching files, odd Neo4j URIs, colliding page names."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from plugins.neo4j_server import sample_graph

from kg.cli import main
from kg.errors import InputError, QueryError, StoreError
from kg.graph import write_graph
from kg.ingest import read_entries
from kg.records import Paper, Skipped
from kg.stores.cypher import cypher
from kg.stores.guard import check_read_only
from kg.stores.neo4j import connection_settings
from kg.stores.sparql import sparql
from kg.views.paths import page_name, page_paths
from kg.views.website import write_site

GOOD = {"title": "A good paper", "abstract": "We propose a method. It works well on MNIST."}

# A text-only PDF: no NUL byte in its first 8 KB (what the listing-dump reader once took for eight papers).
TEXT_PDF = b"""%PDF-1.4
1 0 obj
<< /Type /Catalog /Pages 2 0 R >>
endobj
2 0 obj
<< /Type /Pages /Kids [3 0 R] /Count 1 >>
endobj
3 0 obj
<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>
endobj
4 0 obj
<< /Length 44 >>
stream
BT /F1 24 Tf 100 700 Td (Hello, world) Tj ET
endstream
endobj
xref
0 5
0000000000 65535 f
0000000009 00000 n
trailer
<< /Size 5 /Root 1 0 R >>
startxref
300
%%EOF
"""


def _entries(path: Path, **options: object) -> list[Paper | Skipped]:
    return list(read_entries([path], **options))  # type: ignore[arg-type]


# --- 3. binary formats are recognised by their signature --------------------------------------------------


@pytest.mark.parametrize("name, data, kind", [
    ("paper.txt", TEXT_PDF, "a PDF document"),
    ("paper.txt.gz", gzip.compress(TEXT_PDF), "a PDF document"),
    ("slides.txt", b"%!PS-Adobe-3.0\n%%Title: talk\n" * 20, "a PostScript document"),
    ("notes.txt", b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello}\n", "an RTF document"),
    ("papers.jsonl", b"PK\x03\x04" + b"word/document.xml" * 20, "a ZIP archive"),
    ("dump.txt", b"BZh91AY&SY" + bytes(range(1, 200)), "a bzip2-compressed file"),
])
def test_known_binary_formats_are_skipped_by_signature(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    (tmp_path / "ok.jsonl").write_text(json.dumps(GOOD) + "\n")
    items = list(read_entries([tmp_path]))
    assert [i.title for i in items if isinstance(i, Paper)] == ["A good paper"], "no paper read out of it"
    [skip] = [i for i in items if isinstance(i, Skipped)]
    assert skip.source.path == str(path) and skip.reason.startswith(f"binary file ({kind}")
    [forced] = _entries(path, format="trending")
    assert isinstance(forced, Skipped) and forced.reason.startswith(f"binary file ({kind}"), "also with --format"
    with pytest.raises(InputError, match=rf"{name}: binary file \({kind}"):
        _entries(path, strict=True)


def test_text_that_merely_starts_like_a_signature_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "listing.txt"
    path.write_text("BZh is not a bzip2 header here\n\nA good paper\nWe propose a method. It works on MNIST.\n")
    assert not [i for i in _entries(path) if isinstance(i, Skipped) and "binary" in i.reason]


# --- 13. UTF-16 and UTF-32 files with a byte order mark are decoded ---------------------------------------


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                           ("utf-32-le", codecs.BOM_UTF32_LE)])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "trending"])
def test_utf16_files_with_a_bom_are_decoded(tmp_path: Path, encoding: str, bom: bytes, fmt: str) -> None:
    title, abstract = "Café networks für Übersetzung", "We evaluate a transformer on WMT14 and report BLEU."
    if fmt == "jsonl":
        text = json.dumps({"title": title, "abstract": abstract}, ensure_ascii=False) + "\r\n"
    elif fmt == "csv":
        text = f'title,abstract\r\n"{title}","{abstract}"\r\n'
    else:
        text = f"{title}\n{abstract}\n"
    path = tmp_path / f"export.{'txt' if fmt == 'trending' else fmt}"
    path.write_bytes(bom + text.encode(encoding))
    items = _entries(path)
    assert [(i.title, i.abstract) for i in items if isinstance(i, Paper)] == [(title, abstract)], items
    assert not [i for i in items if isinstance(i, Skipped)]


# --- 5. federated SPARQL is off by default on both engines -------------------------------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head": {"vars": []}, "results": {"bindings": []}}')

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP endpoint on localhost that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def small_build(tmp_path: Path) -> Path:
    write_graph(sample_graph(5), tmp_path / "graph.json")
    return tmp_path


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_sparql_service_is_refused_unless_allowed(small_build: Path, listener: tuple[str, list[str]],
                                                  engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    url, hits = listener
    queries = [f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
               f"select * where {{ ?x ?y ?z . service silent <{url}> {{ ?s ?p ?o }} }}",
               f"SELECT * WHERE {{ SERV\\u0049CE <{url}> {{ ?s ?p ?o }} }}"]
    if engine == "rdflib":
        queries.append(f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}")
    for query in queries:
        with pytest.raises(QueryError, match="--allow-service"):
            sparql(small_build, query, engine)
        assert main(["sparql", query, "--graph", str(small_build), "--engine", engine]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("kg: error: ") and "--allow-service" in err[0]
    assert hits == [], "no request left the machine"
    with contextlib.suppress(QueryError):  # the listener's answer may not please the engine; the request counts
        sparql(small_build, queries[0], engine, allow_service=True)
    assert hits, "the listener does see a federated query that was allowed"
    columns, rows = sparql(small_build, 'SELECT ?s WHERE { ?s ?p "service" } LIMIT 1', engine)
    assert columns == ["s"]


# --- 6. embedded Cypher answers read-only queries only -----------------------------------------------------


@pytest.mark.parametrize("query", [
    "COPY (MATCH (p:Paper) RETURN p.id) TO '{dir}/x.csv'",
    "EXPORT DATABASE '{dir}/y'",
    "LOAD FROM '{dir}/secret.csv' RETURN *",
    "LOAD WITH HEADERS (a STRING) FROM '{dir}/secret.csv' RETURN *",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "ATTACH '{dir}/other.lbug' AS other (dbtype lbug)",
    "IMPORT DATABASE '{dir}/y'",
    "CALL file_search_path = '{dir}'",
    "CALL READ_CSV_SERIAL('{dir}/secret.csv') RETURN *",
    "CALL file_info('{dir}/secret.csv') RETURN *",
    "CALL read_parquet ('{dir}/secret.csv') RETURN *",
    "MATCH (p:Paper) RETURN p.id; copy (MATCH (p:Paper) RETURN p.id) to '{dir}/x.csv'",
    "/* harmless */ COPY Paper TO '{dir}/x.csv'",
])
def test_embedded_cypher_refuses_statements_that_reach_files_or_the_network(
        small_build: Path, tmp_path: Path, query: str, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\nsecret\n")
    text = query.format(dir=outside)
    with pytest.raises(QueryError, match="read-only queries"):
        cypher(text, graph_dir=small_build)
    assert main(["cypher", text, "--graph", str(small_build)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kg: error: the embedded Cypher engine answers read-only queries")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.csv"]


def test_read_queries_mentioning_those_words_still_run(small_build: Path) -> None:
    rows = cypher("MATCH (p:Paper) WHERE p.title <> 'COPY x TO y; LOAD FROM z' // INSTALL httpfs\n"
                  "RETURN count(p) AS `load`, {copy: 1} AS m", graph_dir=small_build).rows
    assert rows == [{"load": 5, "m": {"copy": 1}}]
    check_read_only("MATCH (n:Paper) WHERE n.id = $copy RETURN n.`install` /* EXPORT */")


# --- 12. an unsupported Neo4j URI scheme is one line naming the schemes accepted --------------------------


@pytest.mark.parametrize("uri", ["http://localhost:7474", "https://db.example.org", "localhost:7687"])
def test_unsupported_neo4j_uri_schemes_are_one_line(uri: str, small_build: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(StoreError, match=r"bolt://, bolt\+s://.*neo4j://"):
        connection_settings(uri, "neo4j", "secret")
    for args in (["push", "--graph", str(small_build), "--uri", uri, "--password", "x", "--quiet"],
                 ["cypher", "RETURN 1", "--graph", str(small_build), "--uri", uri, "--password", "x"]):
        assert main(args) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("kg: error: unsupported Neo4j URI") and "bolt://" in err[0]


# --- 4. site page names are unique by construction and never Windows device names -------------------------


def _entity(graph: nx.MultiDiGraph, node: str, name: str) -> None:
    graph.add_node(node, type="Method", name=name, aliases=[], paper_count=1)


def test_page_names_never_collide(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    names = {"method:a+b-net": "A+B-Net", "method:a-b-net": "A-B-Net", "method:a-b-net.93aa6448b9": "A-B-Net.93aa6448b9",
             "method:a-b-net-93aa6448b9": "A-B-Net-93aa6448b9", "method:A-B-Net": "A-B-Net upper",
             "method:": "empty", "method:con": "CON", "method:nul": "NUL", "method:com1": "COM1",
             "method:lpt9": "LPT9", "method:aux.net": "AUX.net", "method:" + "x" * 200: "long"}
    for node, name in names.items():
        _entity(graph, node, name)
    paths = page_paths(graph)
    files = [paths[n] for n in names]
    assert len({f.casefold() for f in files}) == len(files), files
    stems = [f.split("/", 1)[1].split(".", 1)[0] for f in files]
    assert not {s for s in stems if s in {"con", "nul", "aux", "prn", "com1", "lpt9"}}
    assert paths["method:a-b-net"] == "method/a-b-net.html"
    report = write_site(graph, tmp_path / "site")
    assert report.pages["Method"] == len(names)
    assert len(list((tmp_path / "site" / "method").glob("*.html"))) == len(names)
    for node, name in names.items():
        assert f"<h1>{name}" in (tmp_path / "site" / paths[node]).read_text(encoding="utf-8") or \
            name in (tmp_path / "site" / paths[node]).read_text(encoding="utf-8")


def test_a_page_name_depends_on_its_id_alone() -> None:
    assert page_name("method:transformer", "Method") == "method/transformer.html"
    assert page_name("arxiv-2411.04996", "Paper") == "paper/arxiv-2411-04996.html"
    assert page_name("arxiv-2411-04996", "Paper") != page_name("arxiv-2411.04996", "Paper")
    assert page_name("method:a+b-net", "Method").startswith("method/a-b-net--")
    assert page_name("dataset:aux", "Dataset").startswith("dataset/aux--")
