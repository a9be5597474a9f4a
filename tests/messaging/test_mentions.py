"""The text filter's two steps: keys a message is found by, and the scoring
that decides whether it really mentions a name or a document number."""

from __future__ import annotations

from icore.messaging.v1 import message_pb2 as pb
from services.messaging.mentions import MentionQuery, index_terms, query_terms, text_documents
from tests.messaging.conftest import message, person


def _found(sent: pb.Message, text: str) -> bool:
    """What ListMessages does: a candidate by shared keys, then scored."""
    return bool(query_terms(text) & index_terms(sent)) and MentionQuery(text).found_in(sent)


def test_names_in_the_content_are_found_from_any_script_and_with_a_typo() -> None:
    sent = message(entities=[person("p1", "Юрий Щербаков"), person("p2", "王小明")])
    assert _found(sent, "Yuri Shcherbakov")
    assert _found(sent, "Iurii Scherbakow")
    assert _found(sent, "Yuri Shcherbakv")
    assert _found(sent, "Wang Xiaoming")
    assert not _found(sent, "Yuri Petrov")


def test_names_in_the_subject_and_body_are_found_as_written() -> None:
    sent = message(subject="Courier seen at Chiasso", body="Witnesses name محمد الرشيد and a woman, Ana García-López.")
    assert _found(sent, "Mohammed al-Rashid")
    assert _found(sent, "Ana Garcia Lopez")
    assert not _found(sent, "Ana Petrova")


def test_document_numbers_match_however_they_are_spaced() -> None:
    in_content = message(entities=[person("p1", "Ivan Petrov", documents=[
        dict(document_type="PASSPORT", number="72 4411-983")])])
    in_body = message(body="He travelled on passport AB 123456 last week.")
    assert _found(in_content, "724411983")
    assert _found(in_content, "72-4411 983")
    assert _found(in_body, "AB123456")
    assert not _found(in_body, "AB123457")
    # As a passport prints it, with the holder's name: the letters are the number's, not a name's.
    assert _found(in_content, "Petrov 72 4411983")
    printed = message(entities=[person("p2", "Ivan Tsvetkov", documents=[
        dict(document_type="PASSPORT", number="XP 5320800")])])
    assert _found(printed, "Tsvetkov XP 5320800")
    assert not _found(printed, "Tsvetkov XP 5320801")
    # The gateway passes free text on as it is: a date of birth in it is not a document to match.
    assert _found(printed, "Ivan Tsvetkov 2000-06-03") and _found(printed, "Tsvetkov 03.06.2000")
    assert _found(printed, "Tsvetkov XP 5320800 2000") and not _found(printed, "Tsvetkov XP 5320801 2000")


def test_a_long_body_gives_a_bounded_number_of_keys() -> None:
    words = " ".join(f"word{i}x" for i in range(20_000))
    assert len(index_terms(message(body=words))) < 5000


def test_one_query_scores_many_messages_as_each_alone() -> None:
    """ListMessages scores every candidate with one MentionQuery, which
    remembers the words and runs it has scored: what it remembers from one
    message must not decide another."""
    sent = [message(subject="Request for information: Maria ROSSI", entities=[person("p1", "Maria Rossi")]),
            message(subject="Alert: Mario Rossetti", body="Maria was not seen. Rossi is another person."),
            message(subject="Maria", body="Rossi Maria, born 1980, seen with Maria Rossi"),
            message(body="Мария Росси travelled on AB 123456."),
            message(subject="Request for information: Maria ROSSI", entities=[person("p2", "Anna Kowalska")])]
    for text in ("Maria Rossi", "Rossi", "AB123456", "Mario Rossetti", "Kowalska Anna"):
        shared = MentionQuery(text)
        assert [shared.found_in(m) for m in sent] == [MentionQuery(text).found_in(m) for m in sent]
    shared = MentionQuery("Maria Rossi")
    assert [shared.found_in(m) for m in sent] == [True, False, True, True, True]


def test_document_numbers_in_free_text_are_read_after_unicode_normalisation() -> None:
    """Full-width and superscript digits count as digits (NFKC); only words with a
    digit and their neighbours are candidates, alone and joined."""
    assert text_documents("Passport AB 1234567, issued 2019") == {
        "1234567", "1234567ISSUED", "2019", "AB1234567", "ISSUED2019"}
    assert text_documents("ＡＢ １２３４５６ and №５") == {"123456", "123456AND", "AB123456", "AND5"}
    assert text_documents("code ²²²² end") == {"2222", "2222END", "CODE2222"}
    assert text_documents("Паспорт 45 09 123456 выдан") == {"09123456", "123456", "4509"}
