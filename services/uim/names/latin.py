"""Writing a name in any script as lower-case ASCII Latin words.

The transliteration itself comes from maintained libraries: pypinyin for Chinese
characters (dictionary-based, so heteronyms read as in words) and anyascii for every
other script (Cyrillic, Greek, Arabic, Hebrew, Hangul, kana, Latin diacritics). What
this module adds is what those libraries cannot know about *names*:

- A Chinese name written as one run of characters is split the way it is written in
  Latin letters: surname, then the given name as one word ("王小明" -> "wang xiaoming").
  Korean Hangul names are split the same way.
- A few Greek digraphs are read as digraphs (ου -> ou, ευ -> ev), because anyascii
  reads Greek letter by letter ("Παπαδόπουλος" would become "papadopoylos").
- Czech, Slovak and South-Slavic č/š/ž become ch/sh/zh, so that "Kovač" meets the
  Cyrillic "Ковач" ("kovach") instead of losing the consonant.
- The Arabic article al- written together with the noun is split off, so the
  particle logic can treat it as it treats a Latin "al-", and the final ta marbuta
  is read as the "a" that Latin spellings write (فاطمة: Fatima, not "ftmh").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from pypinyin import lazy_pinyin

# Chinese surnames of two characters; any other run's first character is the surname.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "夏侯", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "令狐", "端木", "西门", "南宫", "独孤", "轩辕", "万俟", "闻人", "澹台", "公冶", "宗政",
    "濮阳", "太史", "申屠", "钟离", "呼延", "歐陽", "諸葛", "司馬", "長孫",
})  # fmt: skip
# Characters whose reading as a surname differs from pypinyin's everyday default.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "單": "shan", "仇": "qiu", "解": "xie", "区": "ou", "區": "ou",
    "朴": "piao", "查": "zha", "盖": "ge", "乐": "yue", "樂": "yue", "缪": "miao", "繆": "miao",
    "翟": "zhai", "覃": "qin", "尉": "wei", "秘": "bi", "召": "shao", "种": "chong",
}  # fmt: skip

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")
_KANA = re.compile("[\u3040-\u30ff]")
_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
_GREEK_DIGRAPHS = [
    (re.compile(r"\bμπ"), "b"),
    (re.compile(r"\bντ"), "d"),
    (re.compile(r"\bγκ"), "g"),
    (re.compile("γγ|γκ"), "ng"),
    (re.compile("ου"), "ou"),
    (re.compile("αυ"), "av"),
    (re.compile("ευ"), "ev"),
    (re.compile("ηυ"), "iv"),
]
_SLAVIC_CARONS = str.maketrans({"č": "ch", "š": "sh", "ž": "zh", "Č": "Ch", "Š": "Sh", "Ž": "Zh"})
_ARABIC_WORD_WITH_ARTICLE = re.compile(r"(?<![\u0600-\u06ff])ال(?=[\u0600-\u06ff]{3,})")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02be\u02bf]")
_NON_LETTERS = re.compile(r"[^a-z]+")


def script_of(word: str) -> str:
    """The script of the first letter of `word` ("Latin", "Cyrillic", "Chinese", ...)."""
    for char in word:
        if char.isalpha():
            if char < "\u0250":
                return "Latin"
            label = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            return {"CJK": "Chinese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese"}.get(
                label, label.capitalize()
            )
    return "Latin"


def _han_name(run: str) -> str:
    """A run of Chinese characters as Latin words: surname, then given name as one word."""
    if len(run) == 1 or len(run) > 4:
        return "".join(lazy_pinyin(run, v_to_u=True))
    cut = 2 if run[:2] in COMPOUND_SURNAMES and len(run) > 2 else 1
    surname = SURNAME_READINGS.get(run[0], "") if cut == 1 else ""
    surname = surname or "".join(lazy_pinyin(run[:cut], v_to_u=True))
    return f" {surname} {''.join(lazy_pinyin(run[cut:], v_to_u=True))} "


def _hangul_name(run: str) -> str:
    """Korean names: one-syllable surname first, like Chinese ("김민준" -> "gim minjun")."""
    if 2 <= len(run) <= 4:
        return f" {anyascii(run[0])} {anyascii(run[1:])} "
    return anyascii(run)


def _greek(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower()).replace("\u0301", "")
    text = unicodedata.normalize("NFC", decomposed)
    for pattern, latin in _GREEK_DIGRAPHS:
        text = pattern.sub(latin, text)
    return text


@lru_cache(maxsize=65536)
def to_latin(word: str) -> str:
    """One whitespace-free word in any script -> lower-case Latin letters and spaces."""
    if not word.isascii():
        if _HAN_RUN.search(word) and not _KANA.search(word):
            word = _HAN_RUN.sub(lambda m: _han_name(m.group()), word)
        word = _HANGUL_RUN.sub(lambda m: _hangul_name(m.group()), word)
        if _GREEK.search(word):
            word = _greek(word)
        # The article al- is split off; ta marbuta is the vowel -a that Latin writes.
        word = _ARABIC_WORD_WITH_ARTICLE.sub("al ", word).replace("\u0629", "a")
        word = anyascii(word.translate(_SLAVIC_CARONS))
    word = _APOSTROPHES.sub("", word.lower())
    return _NON_LETTERS.sub(" ", word).strip()
