"""Merging backend results by real-world entity, and the frontline decision."""

from __future__ import annotations

from gateway import frontline, merging
from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.messaging.v1 import message_pb2
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import entity_pb2, names_pb2, notices_pb2, person_pb2


def _person(entity_id: str, name: str, document: str = "") -> entity_pb2.Entity:
    person = person_pb2.Person(names=[names_pb2.PersonName(full_name=name)])
    if document:
        person.documents.add(document_type="PASSPORT", number=document)
    return entity_pb2.Entity(id=entity_id, person=person)


def test_hits_of_one_identity_group_together_and_outrank_single_hits() -> None:
    hits = [query_pb.SearchHit(entity=_person("e1", "Ivan Petrov"), score=0.9),
            query_pb.SearchHit(entity=_person("e2", "Ivan Petrow"), score=0.8),
            query_pb.SearchHit(entity=_person("e3", "John Smith"), score=0.95)]
    candidates = [template_pb2.Candidate(template_id="t1", subject_id="e2", score=0.7, watchlists=["red_notices"])]
    groups = merging.group_hits(hits, candidates, {}, cluster_of={"e1": "c1", "e2": "c1"})
    assert [g.result_id for g in groups] == ["c1", "e3"]
    assert {h.backend for h in groups[0].hits} == {"query", "biometric"}
    assert groups[0].score > 0.95  # two backends agreeing beat one strong hit


def test_messages_attach_to_the_entity_they_mention() -> None:
    groups = merging.group_hits([query_pb.SearchHit(entity=_person("e1", "Ivan Petrov", "AB 123"), score=0.9),
                                 query_pb.SearchHit(entity=_person("e2", "Maria Rossi"), score=0.8)], [], {}, {})
    by_document = message_pb2.Message(id="m1", subject="Request")
    by_document.content.entities.append(_person("x", "I. Petrov", "AB-123"))
    by_text = message_pb2.Message(id="m2", subject="Sighting of Maria Rossi in Milan")
    unrelated = message_pb2.Message(id="m3", subject="Stolen car")
    attached = merging.attach_messages(groups, [by_document, by_text, unrelated])
    assert [m.id for m in attached["e1"]] == ["m1"]
    assert [m.id for m in attached["e2"]] == ["m2"]


def test_messages_naming_no_result_are_results_of_their_own_one_per_person() -> None:
    groups = merging.group_hits([query_pb.SearchHit(entity=_person("e1", "Petro Shevchuk"), score=0.81)], [], {}, {})
    first = message_pb2.Message(id="m1", subject="Request for information")
    first.content.entities.append(_person("x1", "Ivan PETROV", "FE 123456"))
    again = message_pb2.Message(id="m2", subject="Ivan Petrov seen in Kehl")  # names m1's subject in its text
    by_text = message_pb2.Message(id="m3", subject="Vehicle of Olena Petrov stopped")
    attached = merging.attach_messages(groups, [first, again, by_text])
    assert attached == {"e1": []}
    results, messages = merging.message_results([first, again, by_text], attached, "Ivan Petrov")
    assert [g.result_id for g in results] == ["m1", "m3"]
    assert [(h.record_id, h.entity.id) for h in results[0].hits] == [("m1", "x1"), ("m2", "")]
    assert results[0].hits[0].score == 1.0 and "content" in results[0].hits[0].explanation
    assert results[1].hits[0].score == merging.MESSAGE_NAME_MATCH and not results[1].hits[0].HasField("entity")
    assert {k: [m.id for m in v] for k, v in messages.items()} == {"m1": ["m1", "m2"], "m3": ["m3"]}
    by_number, _ = merging.message_results([first], {}, "FE-123456")
    assert by_number[0].hits[0].entity.id == "x1" and "document" in by_number[0].hits[0].explanation
    placed, _ = merging.message_results([first], {"e1": [first]}, "Ivan Petrov")
    assert placed == []
    same_passport = message_pb2.Message(id="m4", subject="Follow-up")
    same_passport.content.entities.append(_person("x4", "Iwan Petrow", "FE-123456"))
    joined, _ = merging.message_results([same_passport, first], {}, "Ivan Petrov")
    assert [(g.result_id, [h.record_id for h in g.hits]) for g in joined] == [("m4", ["m1", "m4"])]  # best first


def test_frontline_decision() -> None:
    decide = frontline.decide
    assert decide(frontline.Finding(biometric_score=0.8, threshold=0.6, subject_id="s")) == pb.FRONTLINE_OUTCOME_HIT
    assert decide(frontline.Finding(biometric_score=0.55, threshold=0.6, subject_id="s")) == \
        pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH
    assert decide(frontline.Finding(biometric_score=0.3, threshold=0.6, subject_id="s")) == \
        pb.FRONTLINE_OUTCOME_NO_HIT
    assert decide(frontline.Finding(invalid_document_match=True)) == pb.FRONTLINE_OUTCOME_HIT
    assert decide(frontline.Finding(biographic_score=0.9)) == pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH
    assert frontline.notice_for(("missing_persons", "red_notices")) == notices_pb2.NOTICE_TYPE_RED
