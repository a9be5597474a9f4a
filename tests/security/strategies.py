"""Hypothesis strategies that build any protobuf message from its descriptor:
random, malformed and oversized values in every field, unknown enum numbers,
every oneof branch, repeated fields from empty to many."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor as d
from google.protobuf.message import Message
from hypothesis import strategies as st

_INT_RANGES = {
    d.FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1), d.FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    d.FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1), d.FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    d.FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1), d.FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    d.FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1), d.FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    d.FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1), d.FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_SMALL_INTS = st.sampled_from([0, 1, -1, 2, 3, 10, 100, 1000, 2**31 - 1, -(2**31)])

_TEXT = st.one_of(
    st.just(""),
    st.sampled_from(["FRA", "fra", "XXX", "DEU", "0101", "PASSPORT", "Иван Петров", "王小明", "محمد علي",
                     "' OR 1=1 --", "%", "_", "\x00", "a" * 5000, "🙂" * 100, "ent_", "msg_"]),
    st.text(max_size=40),
    st.integers(300, 120_000).map(lambda n: "x" * n),  # oversized
)
_FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                    st.sampled_from([0.0, 1.0, -1.0, 1e30]))


def _scalar(field: d.FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind in _INT_RANGES:
        low, high = _INT_RANGES[kind]
        return st.one_of(_SMALL_INTS.filter(lambda v: low <= v <= high), st.integers(low, high))
    if kind in (d.FieldDescriptor.TYPE_FLOAT,):
        return _FLOATS
    if kind == d.FieldDescriptor.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    if kind == d.FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == d.FieldDescriptor.TYPE_STRING:
        return _TEXT
    if kind == d.FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == d.FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-5, 1000))  # open enums: unknown numbers too
    raise TypeError(f"no strategy for {field.full_name}")


@st.composite
def messages(draw: st.DrawFn, message_class: type[Message], depth: int = 0) -> Message:
    """A random instance of `message_class`, sparse: most fields stay unset."""
    message = message_class()
    descriptor = message.DESCRIPTOR
    for field in descriptor.fields:
        if field.containing_oneof is not None and message.WhichOneof(field.containing_oneof.name):
            continue
        if not draw(st.booleans()):
            continue
        is_repeated = getattr(field, "is_repeated", None)
        repeated = is_repeated if isinstance(is_repeated, bool) else field.label == d.FieldDescriptor.LABEL_REPEATED
        if field.type == d.FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry or depth >= 4:
                continue
            sub = message_class_of(field)
            if repeated:
                for item in draw(st.lists(messages(sub, depth + 1), max_size=3)):
                    getattr(message, field.name).add().CopyFrom(item)
            else:
                getattr(message, field.name).CopyFrom(draw(messages(sub, depth + 1)))
        elif repeated:
            count = draw(st.sampled_from([0, 1, 3, 600]))
            value = draw(_scalar(field))
            getattr(message, field.name).extend([value] * count if count == 600 else
                                                draw(st.lists(_scalar(field), min_size=count, max_size=count)))
        else:
            setattr(message, field.name, draw(_scalar(field)))
    return message


def message_class_of(field: d.FieldDescriptor) -> type[Message]:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(field.message_type)
