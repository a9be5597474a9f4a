"""Smart Case Messaging (issue 4): structured police messages between member
countries, never lost, threaded into cases and cross-checked on arrival.

- `message_rules`: what a message must satisfy (UIM rules, code tables, limits).
- `dispatch`: a validated message turned into the record that is stored.
- `deadlines`, `threads`, `delivery`: response deadlines, cases and threads,
  recipients' progress and inbox positions.
- `mentions`: the `text` filter (names in any script, document numbers).
- `cross_check`, `backends`: the check against the repository and the watch
  lists, retried in the background while a backend is down.
- `inbox`: waking inbox streams (in-process, and PostgreSQL LISTEN/NOTIFY).
- `views`: what each country sees of a message.
- `storage`: tables and queries; `server`: gRPC translation and wiring.
"""
