"""report/case.jsonld: the export described in CASE/UCO (CASE 1.x, as `case_validate` checks it).

What the graph holds, all from the ExportContext the court report also reads:

- the investigation (case-investigation:Investigation: number, title, offence as its focus);
- the tool (uco-tool:Tool with its version), the agency (uco-identity:Organization), every user
  who collected, handled or exported an exhibit (uco-identity:Identity, a Person) with their role
  (uco-role:Role, linked by a "Has_Role" uco-core:Relationship);
- each item's artifacts as uco-observable:ObservableObject with a FileFacet (name, path in the
  bundle, size) and a ContentDataFacet (MIME type, SHA-256 / MD5 / SHA-1 as uco-types:Hash with
  xsd:hexBinary values); a web source as an ObservableObject with a URLFacet;
- custody: each item is a case-investigation:ProvenanceRecord (exhibitNumber, its artifacts) and
  each ledger event a case-investigation:InvestigativeAction (performer, instrument, start/end
  time, object, result), the export itself included.

Node IRIs are UUIDv5 names under the case's id, so the same export always yields the same graph.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ..case import Artifact, Item
from ..ledger import Event
from ..roles import ROLE_LABELS, Role
from .context import ExportContext

CONTEXT: dict[str, str] = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-role": "https://ontology.unifiedcyberontology.org/uco/role/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: The CASE release the graph is written for (and validated against in the tests).
CASE_VERSION = "1.5.0"
_HASHES = (("sha256", "SHA256"), ("md5", "MD5"), ("sha1", "SHA1"))
_ACQUIRE = ("captured", "imported")


def _dt(value: str) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": value}


def _int(value: int) -> dict[str, Any]:
    return {"@type": "xsd:integer", "@value": int(value)}


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _refs(ids: Iterable[str]) -> list[dict[str, str]]:
    return [_ref(i) for i in ids]


class _Graph:
    def __init__(self, case_id: str) -> None:
        try:
            self.ns = uuid.UUID(case_id)
        except ValueError:
            self.ns = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:evidence-kit:{case_id}")
        self.prefix = f"urn:evidence-kit:{self.ns}:"
        self.nodes: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    def iri(self, kind: str, *key: object) -> str:
        name = uuid.uuid5(self.ns, "/".join([kind, *map(str, key)]))
        return f"kb:{kind}-{name}"

    def add(self, node: dict[str, Any]) -> str:
        node_id = str(node["@id"])
        if node_id not in self._seen:
            self._seen.add(node_id)
            self.nodes.append(node)
        return node_id


def build_case_jsonld(ctx: ExportContext) -> dict[str, Any]:
    """The CASE/UCO JSON-LD document for an export (serialise with json.dumps)."""
    info = ctx.case_info
    g = _Graph(info.case_id or info.number)

    tool_id = g.add({"@id": g.iri("Tool", ctx.tool), "@type": "uco-tool:Tool", "uco-core:name": "Evidence Kit",
                     "uco-tool:version": ctx.tool.removeprefix("Evidence Kit").strip() or ctx.tool,
                     "uco-tool:toolType": "Digital evidence acquisition and preservation"})
    agency_id = ""
    if info.agency:
        agency_id = g.add({"@id": g.iri("Organization", info.agency), "@type": "uco-identity:Organization",
                           "uco-core:name": info.agency})

    users = {u.name: u for u in ctx.users}
    users.setdefault(ctx.exporter.name, ctx.exporter)
    person_ids: dict[str, str] = {}

    def person(name: str, role: str = "") -> str:
        if name in person_ids:
            return person_ids[name]
        user = users.get(name)
        node: dict[str, Any] = {"@id": g.iri("Person", name), "@type": ["uco-identity:Person"],
                                "uco-core:name": (user.full_name or user.name) if user else name}
        description = [f"Evidence Kit user {name}"]
        if user and user.badge:
            description.append(f"badge {user.badge}")
        node["uco-core:description"] = "; ".join(description)
        person_ids[name] = g.add(node)
        _role(g, person_ids[name], str(user.role) if user else role)
        if agency_id:
            _relationship(g, person_ids[name], agency_id, "Affiliated_With")
        return person_ids[name]

    exporter_id = person(ctx.exporter.name, str(ctx.exporter.role))

    record_ids: list[str] = []
    action_ids: list[str] = []
    observable_ids: list[str] = []
    for item in ctx.items:
        artifact_ids = [_artifact(g, ctx, item, a) for a in item.artifacts]
        observable_ids += artifact_ids
        source_id = _source(g, item)
        if source_id:
            observable_ids.append(source_id)
        record_id = g.add({
            "@id": g.iri("ProvenanceRecord", item.exhibit), "@type": "case-investigation:ProvenanceRecord",
            "case-investigation:exhibitNumber": item.exhibit,
            "uco-core:name": item.title or item.exhibit,
            "uco-core:description": f"{item.kind} item; source: {item.source}" if item.source else f"{item.kind} item",
            "uco-core:object": _refs(artifact_ids),
            **({"uco-core:tag": sorted(item.tags)} if item.tags else {}),
        })
        record_ids.append(record_id)
        events = ctx.events_of(item.exhibit)
        if not any(e.action in _ACQUIRE for e in events):
            # The bundle always carries the creation event; without it, still say who acquired what.
            action_ids.append(_acquisition_action(g, item, None, person(item.collector), tool_id, source_id,
                                                  record_id, artifact_ids))
        for ev in events:
            performer = person(ev.actor, ev.role)
            if ev.action in _ACQUIRE:
                action_ids.append(_acquisition_action(g, item, ev, performer, tool_id, source_id, record_id,
                                                      artifact_ids))
            else:
                action_ids.append(_event_action(g, ev, performer, tool_id, [record_id]))

    investigation_id = g.iri("Investigation", info.case_id or info.number)
    for ev in ctx.events:
        if not ev.item:  # case-level events (case created, users added) act on the investigation
            action_ids.append(_event_action(g, ev, person(ev.actor, ev.role), tool_id, [investigation_id]))

    bundle_id = g.add({
        "@id": g.iri("Bundle", ctx.bundle_name, ctx.exported_at), "@type": "uco-observable:ObservableObject",
        "uco-core:name": ctx.bundle_name,
        "uco-core:description": f"Evidence bundle; evidence digest (SHA-256 over the evidence lines of SHA256SUMS) "
                                f"{ctx.evidence_digest}; ledger head #{ctx.ledger_head[0]} {ctx.ledger_head[1]}",
        "uco-core:hasFacet": [{"@id": g.iri("FileFacet", "bundle", ctx.bundle_name, ctx.exported_at),
                               "@type": "uco-observable:FileFacet", "uco-observable:fileName": ctx.bundle_name}],
    })
    export_action = g.add({
        "@id": g.iri("InvestigativeAction", "export", ctx.exported_at),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": "exported",
        "uco-core:description": f"Export of {len(ctx.items)} exhibit(s) to {ctx.bundle_name} (report language "
                                f"{ctx.lang}, thumbnails {'blurred' if ctx.blur else 'not blurred'})",
        "uco-action:startTime": _dt(ctx.exported_at),
        "uco-action:performer": _ref(exporter_id),
        "uco-action:instrument": _ref(tool_id),
        "uco-action:object": _refs(record_ids),
        "uco-action:result": _ref(bundle_id),
    })
    action_ids.append(export_action)

    investigation: dict[str, Any] = {
        "@id": investigation_id, "@type": "case-investigation:Investigation",
        "uco-core:name": info.number,
        "uco-core:description": info.title,
        "case-investigation:investigationForm": "case",
        "uco-core:object": _refs([*record_ids, *action_ids, *observable_ids, bundle_id, tool_id,
                                  *person_ids.values()]),
    }
    if info.offence:
        investigation["case-investigation:focus"] = info.offence
    if info.created_at:
        investigation["uco-core:startTime"] = _dt(info.created_at)
    g.nodes.insert(0, investigation)
    return {"@context": {"kb": g.prefix, **CONTEXT}, "@graph": g.nodes}


def _role(g: _Graph, person_id: str, role: str) -> None:
    if not role:
        return
    try:
        label = ROLE_LABELS[Role(role)][0]
    except ValueError:
        label = role
    role_id = g.add({"@id": g.iri("Role", role), "@type": "uco-role:Role", "uco-core:name": label})
    _relationship(g, person_id, role_id, "Has_Role")


def _relationship(g: _Graph, source: str, target: str, kind: str) -> None:
    g.add({"@id": g.iri("Relationship", source, target, kind), "@type": "uco-core:Relationship",
           "uco-core:source": _ref(source), "uco-core:target": _ref(target),
           "uco-core:kindOfRelationship": kind, "uco-core:isDirectional": True})


def _artifact(g: _Graph, ctx: ExportContext, item: Item, art: Artifact) -> str:
    hash_ids = []
    for attr, method in _HASHES:
        value = getattr(art, attr)
        if value:
            hash_ids.append(g.add({"@id": g.iri("Hash", method, value), "@type": "uco-types:Hash",
                                   "uco-types:hashMethod": method,
                                   "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": value.lower()}}))
    file_facet: dict[str, Any] = {"@id": g.iri("FileFacet", item.exhibit, art.id), "@type": "uco-observable:FileFacet",
                                  "uco-observable:fileName": art.name, "uco-observable:sizeInBytes": _int(art.size)}
    path = ctx.artifact_paths.get(art.id)
    if path:
        file_facet["uco-observable:filePath"] = path
    if "." in art.name:
        file_facet["uco-observable:extension"] = art.name.rsplit(".", 1)[1][:16]
    content: dict[str, Any] = {"@id": g.iri("ContentDataFacet", item.exhibit, art.id),
                               "@type": "uco-observable:ContentDataFacet",
                               "uco-observable:sizeInBytes": _int(art.size), "uco-observable:hash": _refs(hash_ids)}
    if art.mime:
        content["uco-observable:mimeType"] = art.mime
    return g.add({"@id": g.iri("File", item.exhibit, art.id), "@type": "uco-observable:ObservableObject",
                  "uco-core:name": f"{item.exhibit} {art.role}: {art.name}",
                  "uco-core:description": f"artifact role {art.role} of exhibit {item.exhibit}",
                  "uco-core:hasFacet": [file_facet, content]})


def _source(g: _Graph, item: Item) -> str:
    src = item.source.strip()
    if not src:
        return ""
    if src.lower().startswith(("http://", "https://")):
        facet: dict[str, Any] = {"@id": g.iri("URLFacet", item.exhibit), "@type": "uco-observable:URLFacet",
                                 "uco-observable:fullValue": src}
        name = "Source URL"
    else:
        facet = {"@id": g.iri("SourceFileFacet", item.exhibit), "@type": "uco-observable:FileFacet",
                 "uco-observable:filePath": src,
                 "uco-observable:fileName": src.replace("\\", "/").rsplit("/", 1)[-1]}
        name = "Source"
    return g.add({"@id": g.iri("Source", item.exhibit), "@type": "uco-observable:ObservableObject",
                  "uco-core:name": f"{name} of {item.exhibit}", "uco-core:hasFacet": [facet]})


def _event_description(ev: Event) -> str:
    return f"Custody ledger event #{ev.seq} ({ev.action}), SHA-256 {ev.hash}, signed by {ev.actor}"


def _acquisition_action(g: _Graph, item: Item, ev: Event | None, performer: str, tool_id: str, source_id: str,
                        record_id: str, artifact_ids: list[str]) -> str:
    acq = item.acquisition
    start = str(acq.get("started_utc") or item.captured_at)
    node: dict[str, Any] = {
        "@id": g.iri("InvestigativeAction", item.exhibit, ev.seq if ev else "acquisition"),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": ev.action if ev else "acquired",
        "uco-action:performer": _ref(performer),
        "uco-action:instrument": _ref(tool_id),
        "uco-action:result": _refs([record_id, *artifact_ids]),
    }
    description = [_event_description(ev)] if ev else []
    for key in ("workstation", "os", "user_agent", "proxy"):
        if acq.get(key):
            description.append(f"{key}: {acq[key]}")
    if description:
        node["uco-core:description"] = "; ".join(description)
    if start:
        node["uco-action:startTime"] = _dt(start)
    if acq.get("ended_utc"):
        node["uco-action:endTime"] = _dt(str(acq["ended_utc"]))
    if source_id:
        node["uco-action:object"] = _ref(source_id)
    return g.add(node)


def _event_action(g: _Graph, ev: Event, performer: str, tool_id: str, objects: list[str]) -> str:
    return g.add({
        "@id": g.iri("InvestigativeAction", ev.item or "case", ev.seq),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": ev.action,
        "uco-core:description": _event_description(ev),
        "uco-action:startTime": _dt(ev.at),
        "uco-action:endTime": _dt(ev.at),
        "uco-action:performer": _ref(performer),
        "uco-action:instrument": _ref(tool_id),
        "uco-action:object": _refs(objects),
    })

