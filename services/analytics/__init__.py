"""INSIGHT analytics (issue 7): what no single record shows.

The service mirrors the repository (`follower` reads QueryService.ExportEntities
into `mirror` and `storage`) and answers, for one member country at a time:

- `resolution` (with `records`, `blocking`, `comparison`, `scoring`, `clustering`):
  which records are the same person or organization;
- `paths`: shortest paths and neighbourhoods through links and resolved identities
  (`graph` holds them), drawn by `link_chart` for `icore chart`;
- `communities`: crime networks and their key members;
- `trends` and `hotspots` over `events`: unusual counts and geographic clusters.

`server` only translates between protobuf and these modules.
"""
