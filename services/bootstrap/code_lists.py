"""CodeListService, offered by every server: the look-up tables clients build
forms from, served from the same tables the servers validate against."""

from __future__ import annotations

import grpc

from icore.uim.v1 import code_list_service_pb2 as pb
from icore.uim.v1 import code_list_service_pb2_grpc as pb_grpc
from services.bootstrap.errors import FieldErrors
from services.bootstrap.paging import PageRequest
from services.uim.codes import code_tables

TABLE_NAMES = {
    pb.CODE_LIST_COUNTRIES: "countries",
    pb.CODE_LIST_LANGUAGES: "languages",
    pb.CODE_LIST_SCRIPTS: "scripts",
    pb.CODE_LIST_ICCS: "iccs",
    pb.CODE_LIST_DOCUMENT_TYPES: "document_types",
}


class CodeListServicer(pb_grpc.CodeListServiceServicer):
    async def ListCodes(
        self, request: pb.ListCodesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCodesResponse:
        problems = FieldErrors()
        problems.check(request.code_list in TABLE_NAMES, "code_list", "choose one of the CODE_LIST_* values")
        page = PageRequest.parse(request.page_size, request.page_token, default=500, maximum=1000, errors=problems)
        problems.raise_if_any()
        table = code_tables()[TABLE_NAMES[request.code_list]]
        entries = [c for c in table.codes() if not request.parent or c.parent == request.parent]
        chunk = entries[page.offset : page.offset + page.size]
        return pb.ListCodesResponse(
            codes=[pb.Code(code=c.code, name=c.name, parent=c.parent or "", level=c.level or 1) for c in chunk],
            next_page_token=page.next_token(len(entries)),
            total_size=len(entries),
        )
