"""report/case.jsonld: CASE/UCO graph content, determinism, and `case_validate` conformance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib

from evidence_kit.core.case import Case
from evidence_kit.core.export.caseuco import CASE_VERSION, build_case_jsonld
from evidence_kit.core.export.context import ExportContext
from tests.conftest import CASE_NUMBER, OFFICER, OFFICER_PW
from tests.core.report_fixtures import build_context

UCO_TYPES = "https://ontology.unifiedcyberontology.org/uco/types/"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportContext]:
    tmp = tmp_path_factory.mktemp("caseuco")
    case = Case.create(tmp / "case.ekcase", number=CASE_NUMBER, title="딥페이크 유포 채널", user=OFFICER,
                       password=OFFICER_PW, full_name="김경찰", badge="12345", offence="성폭력처벌법 제14조의2",
                       agency="서울경찰청")
    case.add_user("lee", "investigator-pw", "investigator", full_name="이수사", badge="67890")
    try:
        ctx = build_context(case, tmp, lang="ko")
        yield ctx
    finally:
        case.close()


@pytest.fixture(scope="module")
def doc(ctx: ExportContext) -> dict[str, Any]:
    return build_case_jsonld(ctx)


def nodes(doc: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    out = []
    for n in doc["@graph"]:
        t = n.get("@type")
        if t == type_ or (isinstance(t, list) and type_ in t):
            out.append(n)
    return out


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for n in doc["@graph"]:
        index[n["@id"]] = n
        for facet in n.get("uco-core:hasFacet", []):
            index[facet["@id"]] = facet
    return index


def test_investigation_tool_and_people(doc: dict[str, Any], ctx: ExportContext) -> None:
    [inv] = nodes(doc, "case-investigation:Investigation")
    assert inv["uco-core:name"] == CASE_NUMBER
    assert inv["case-investigation:focus"] == "성폭력처벌법 제14조의2"
    [tool] = nodes(doc, "uco-tool:Tool")
    assert tool["uco-tool:version"] == ctx.tool.split()[-1]
    people = {p["uco-core:name"] for p in nodes(doc, "uco-identity:Person")}
    assert "김경찰" in people
    roles = {r["uco-core:name"] for r in nodes(doc, "uco-role:Role")}
    assert "Case officer" in roles
    rels = nodes(doc, "uco-core:Relationship")
    assert any(r["uco-core:kindOfRelationship"] == "Has_Role" for r in rels)
    # Everything the investigation holds exists in the graph.
    index = by_id(doc)
    assert all(ref["@id"] in index for ref in inv["uco-core:object"])


def test_every_artifact_with_its_hashes(doc: dict[str, Any], ctx: ExportContext) -> None:
    hashes = {(h["uco-types:hashMethod"], h["uco-types:hashValue"]["@value"]) for h in nodes(doc, "uco-types:Hash")}
    for h in nodes(doc, "uco-types:Hash"):
        assert h["uco-types:hashValue"]["@type"] == "xsd:hexBinary"
    index = by_id(doc)
    files = nodes(doc, "uco-observable:ObservableObject")
    paths = set()
    for f in files:
        for facet in f["uco-core:hasFacet"]:
            if facet["@type"] == "uco-observable:FileFacet" and "uco-observable:filePath" in facet:
                paths.add(facet["uco-observable:filePath"])
            if facet["@type"] == "uco-observable:ContentDataFacet":
                assert all(ref["@id"] in index for ref in facet["uco-observable:hash"])
    for item in ctx.items:
        for art in item.artifacts:
            assert ("SHA256", art.sha256) in hashes
            assert ("MD5", art.md5) in hashes
            assert ("SHA1", art.sha1) in hashes
            assert ctx.artifact_paths[art.id] in paths
    urls = [f for f in files for facet in f["uco-core:hasFacet"] if facet["@type"] == "uco-observable:URLFacet"]
    web = next(i for i in ctx.items if i.kind == "web")
    assert urls and urls[0]["uco-core:hasFacet"][0]["uco-observable:fullValue"] == web.source


def test_custody_as_provenance_records_and_actions(doc: dict[str, Any], ctx: ExportContext) -> None:
    records = {r["case-investigation:exhibitNumber"]: r for r in nodes(doc, "case-investigation:ProvenanceRecord")}
    assert set(records) == {i.exhibit for i in ctx.items}
    actions = nodes(doc, "case-investigation:InvestigativeAction")
    index = by_id(doc)
    for a in actions:
        assert index[a["uco-action:performer"]["@id"]]["@type"] == ["uco-identity:Person"]
        assert index[a["uco-action:instrument"]["@id"]]["@type"] == "uco-tool:Tool"
        assert a["uco-action:startTime"]["@type"] == "xsd:dateTime"
    # One action per ledger event, plus the export.
    described = [a.get("uco-core:description", "") for a in actions]
    for ev in ctx.events:
        assert sum(ev.hash in d for d in described) == 1, ev.seq
    [export] = [a for a in actions if a["uco-core:name"] == "exported"]
    assert {r["@id"] for r in export["uco-action:object"]} == {r["@id"] for r in records.values()}
    # The capture of the web item: acquisition times, the URL as object, the record as result.
    web = next(i for i in ctx.items if i.kind == "web")
    [capture] = [a for a in actions if a["uco-core:name"] == "captured"]
    assert capture["uco-action:startTime"]["@value"] == web.acquisition["started_utc"]
    assert capture["uco-action:endTime"]["@value"] == web.acquisition["ended_utc"]
    assert records[web.exhibit]["@id"] in {r["@id"] for r in capture["uco-action:result"]}
    assert "fullValue" in json.dumps(index[capture["uco-action:object"]["@id"]])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside rdflib's JSON-LD parser
def test_graph_is_deterministic_and_parses_as_rdf(doc: dict[str, Any], ctx: ExportContext) -> None:
    assert build_case_jsonld(ctx) == doc
    text = json.dumps(doc, ensure_ascii=False)
    g = rdflib.Graph().parse(data=text, format="json-ld")
    assert len(g) > 200
    for _, _, value in g.triples((None, rdflib.URIRef(UCO_TYPES + "hashValue"), None)):
        assert isinstance(value, rdflib.Literal) and not value.ill_typed
    records = list(g.subjects(rdflib.RDF.type,
                              rdflib.URIRef("https://ontology.caseontology.org/case/investigation/ProvenanceRecord")))
    assert len(records) == len(ctx.items)
    # No blank nodes: every node is named, so other tools can refer to it.
    assert not any(isinstance(s, rdflib.BNode) for s in g.subjects())


def _case_validate() -> str:
    exe = Path(sys.executable).with_name("case_validate")
    found = str(exe) if exe.exists() else shutil.which("case_validate")
    if not found:
        pytest.fail("case_validate (pip package case-utils, in the test extra) is not installed")
    return found


@pytest.mark.slow
def test_case_validate_says_it_conforms(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "case.jsonld"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    proc = subprocess.run([_case_validate(), "--built-version", f"case-{CASE_VERSION}", str(path)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Conforms: True" in proc.stdout
    assert "nonexistent-concept" not in proc.stderr  # every class and property is a real CASE/UCO term
