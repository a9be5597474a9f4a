"""A member country's first icore client: send a case message, run a unified
search and a frontline check, over mutual TLS with the country's certificate.

Start the mesh with `./dev up`, then, from the repository root:

    .venv/bin/python examples/member_country_client.py --country FRA --certs data/certs

Copy this file into your own system and replace the example data with yours;
everything it needs is `grpcio` and the generated `icore` stubs.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import grpc

from icore.gateway.v1 import gateway_service_pb2 as gateway_pb
from icore.gateway.v1 import gateway_service_pb2_grpc as gateway_grpc
from icore.messaging.v1 import message_pb2, messaging_service_pb2, messaging_service_pb2_grpc
from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2, names_pb2, person_pb2


def secure_channel(address: str, certs: Path, country: str) -> grpc.Channel:
    """A channel that proves our country with its certificate (mutual TLS)."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.pem").read_bytes(),
        private_key=(certs / f"country-{country}-key.pem").read_bytes(),
        certificate_chain=(certs / f"country-{country}.pem").read_bytes(),
    )
    return grpc.secure_channel(address, credentials)


def wanted_person() -> entity_pb2.Entity:
    """The person our message is about, as a UIM entity rather than free text."""
    person = person_pb2.Person(
        names=[names_pb2.PersonName(given_names="Ivan", family_name="Petrov", script="Latn")],
        sex=person_pb2.SEX_MALE,
        date_of_birth=dates_pb2.PartialDate(year=1979, month=3),
        nationalities=["UKR"],
        documents=[person_pb2.IdentityDocument(document_type="PASSPORT", number="FE 123456",
                                               issuing_country="UKR")],
    )
    return entity_pb2.Entity(id="subject-1", person=person,
                             access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS))


def send_case_message(channel: grpc.Channel, recipient: str) -> message_pb2.Message:
    message = message_pb2.Message(
        recipient_countries=[recipient],
        message_type=message_pb2.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
        priority=message_pb2.PRIORITY_URGENT,
        case_reference=f"EXAMPLE/{uuid.uuid4().hex[:8]}",
        subject="Request for information on Ivan PETROV",
        body="Subject suspected of document fraud. Please send known addresses and associates.",
        language="en",
        content=message_pb2.MessageContent(entities=[wanted_person()]),
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED,
                                              countries=[recipient],
                                              handling_code=access_pb2.HANDLING_CODE_H1),
    )
    stub = messaging_service_pb2_grpc.MessagingServiceStub(channel)
    reply = stub.SendMessage(messaging_service_pb2.SendMessageRequest(
        message=message, idempotency_key=str(uuid.uuid4())), timeout=10)
    return reply.message


def unified_search(channel: grpc.Channel, name: str) -> gateway_pb.UnifiedSearchResponse:
    stub = gateway_grpc.GatewayServiceStub(channel)
    return stub.UnifiedSearch(gateway_pb.UnifiedSearchRequest(name=name, page_size=5), timeout=5)


def frontline_check(channel: grpc.Channel, document_number: str, name: str) -> gateway_pb.FrontlineCheckResponse:
    stub = gateway_grpc.GatewayServiceStub(channel)
    return stub.FrontlineCheck(gateway_pb.FrontlineCheckRequest(document_number=document_number, name=name),
                               timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="FRA", help="our ISO 3166-1 alpha-3 code (default FRA)")
    parser.add_argument("--recipient", default="DEU", help="who the case message goes to (default DEU)")
    parser.add_argument("--certs", type=Path, default=Path("data/certs"), help="certificate directory")
    parser.add_argument("--gateway", default="127.0.0.1:50050")
    parser.add_argument("--messaging", default="127.0.0.1:50051")
    args = parser.parse_args()

    with secure_channel(args.messaging, args.certs, args.country) as messaging:
        sent = send_case_message(messaging, args.recipient)
        print(f"sent {sent.id} to {', '.join(sent.recipient_countries)} in case {sent.case_reference}; "
              f"reply due {sent.response_due_time.ToJsonString()}")
    with secure_channel(args.gateway, args.certs, args.country) as gateway:
        found = unified_search(gateway, "Petrov")
        print(f"unified search: {len(found.results)} results")
        for result in found.results[:3]:
            sources = ", ".join(sorted({h.backend for h in result.hits}))
            print(f"  {result.result_id}  score {result.score:.2f}  from {sources}")
        for status in found.backend_statuses:
            print(f"  backend {status.backend}: {gateway_pb.BackendState.Name(status.state)} {status.message}")
        check = frontline_check(gateway, "FE 123456", "Ivan Petrov")
        print(f"frontline check: {gateway_pb.FrontlineOutcome.Name(check.outcome)}"
              + (f" - {check.handling_instruction}" if check.handling_instruction else ""))


if __name__ == "__main__":
    main()
