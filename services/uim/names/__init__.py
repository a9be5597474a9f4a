"""Name matching shared by the query service's search and analytics' entity resolution.

- `normalise_name`, `name_tokens`: a name in lower-case ASCII Latin, from any script.
- `index_keys`: keys to store and look up so that search finds candidates without
  scanning (see `keys`).
- `name_similarity` / `score_many`: a 0-1 score with an explanation (see `similarity`);
  `name_score` the score alone.
- `prepare`: analyse a name once when scoring it against many.
- `normalise_document_number`: document numbers without spaces and punctuation;
  `is_document_series`: the letters of one written apart from its digits.
- `written_name`: a person name as one string.
"""

from services.uim.names.documents import is_document_series, normalise_document_number
from services.uim.names.keys import index_keys, key_weight
from services.uim.names.similarity import NameScore, name_score, name_similarity, score_many
from services.uim.names.tokens import PreparedName, name_tokens, normalise_name, prepare
from services.uim.names.written import written_name

__all__ = [
    "NameScore",
    "PreparedName",
    "index_keys",
    "is_document_series",
    "key_weight",
    "name_score",
    "name_similarity",
    "name_tokens",
    "normalise_document_number",
    "normalise_name",
    "prepare",
    "score_many",
    "written_name",
]
