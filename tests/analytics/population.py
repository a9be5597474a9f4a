"""A population of people recorded by several police sources, with known truth.

The demo generator of the query service (issue 6) is not in the tree yet; until it is,
analytics tests and benchmarks build their data here. Each real person gets one to
five records from different member countries, written the way police records differ:
native script or one of several romanisations (ICAO passports, BGN/PCGN, German and
French systems), family name first, a dropped middle name, a typo, missing diacritics,
a date of birth known only to the year or month or mistyped, a document number with
spaces, another address. Relatives share a family name and an address but not a given
name or a birth date, so that they are hard non-matches.

`truth` maps every record id to its person, from which tests count true pairs.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations

from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2, location_pb2, names_pb2, person_pb2, provenance_pb2

# Cyrillic names with the romanisations different sources use (BGN, ICAO 9303, German, French).
RUSSIAN_GIVEN = {
    "Юрий": ["Yuriy", "Iurii", "Juri", "Iouri", "Yury"], "Сергей": ["Sergey", "Sergei", "Sergej", "Serguei"],
    "Алексей": ["Aleksey", "Aleksei", "Alexej", "Alexei"], "Дмитрий": ["Dmitriy", "Dmitrii", "Dmitri", "Dmitry"],
    "Андрей": ["Andrey", "Andrei", "Andrej"], "Николай": ["Nikolay", "Nikolai", "Nikolaj"],
    "Михаил": ["Mikhail", "Michail", "Mikhaïl"], "Иван": ["Ivan"], "Владимир": ["Vladimir", "Wladimir"],
    "Евгений": ["Yevgeniy", "Evgenii", "Jewgeni", "Evgueni"], "Павел": ["Pavel", "Pawel"],
    "Олег": ["Oleg"], "Виктор": ["Viktor", "Victor"], "Григорий": ["Grigoriy", "Grigorii", "Grigori"],
    "Наталья": ["Natalya", "Natalia", "Natalja", "Natalia"], "Елена": ["Yelena", "Elena", "Jelena"],
    "Ольга": ["Olga"], "Татьяна": ["Tatyana", "Tatiana", "Tatjana"], "Юлия": ["Yuliya", "Iuliia", "Julija"],
    "Ксения": ["Kseniya", "Kseniia", "Xenia"], "Анна": ["Anna"], "Светлана": ["Svetlana", "Swetlana"],
    "Мария": ["Mariya", "Mariia", "Marija"], "Ирина": ["Irina"], "Людмила": ["Lyudmila", "Liudmila", "Ljudmila"],
    "Фёдор": ["Fyodor", "Fedor", "Fjodor"], "Константин": ["Konstantin", "Constantin"],
    "Тимофей": ["Timofey", "Timofei", "Timofej"], "Вадим": ["Vadim", "Wadim"], "Роман": ["Roman"],
}  # fmt: skip
RUSSIAN_FAMILY_ROOTS = {
    "Петров": ["Petrov", "Petrow"], "Иванов": ["Ivanov", "Iwanow"], "Смирнов": ["Smirnov", "Smirnow"],
    "Кузнецов": ["Kuznetsov", "Kusnezow", "Kouznetsov"], "Соколов": ["Sokolov", "Sokolow"],
    "Попов": ["Popov", "Popow"], "Лебедев": ["Lebedev", "Lebedew"], "Козлов": ["Kozlov", "Koslow"],
    "Новиков": ["Novikov", "Nowikow"], "Морозов": ["Morozov", "Morosow"], "Волков": ["Volkov", "Wolkow"],
    "Щербаков": ["Shcherbakov", "Scherbakow", "Chtcherbakov"], "Жуков": ["Zhukov", "Shukow", "Joukov"],
    "Орлов": ["Orlov", "Orlow"], "Зайцев": ["Zaytsev", "Zaitsev", "Saizew"], "Медведев": ["Medvedev", "Medwedew"],
    "Фёдоров": ["Fyodorov", "Fedorov", "Fjodorow"], "Яковлев": ["Yakovlev", "Iakovlev", "Jakowlew"],
    "Белов": ["Belov", "Below"], "Тарасов": ["Tarasov", "Tarassow"], "Белоусов": ["Belousov", "Beloussow"],
    "Крылов": ["Krylov", "Krylow"], "Гусев": ["Gusev", "Gussew", "Goussev"], "Титов": ["Titov", "Titow"],
    "Комаров": ["Komarov", "Komarow"], "Киселёв": ["Kiselyov", "Kiselev", "Kisseljow"],
    "Макаров": ["Makarov", "Makarow"], "Андреев": ["Andreyev", "Andreev", "Andrejew"],
    "Ковалёв": ["Kovalyov", "Kovalev", "Kowaljow"], "Ильин": ["Ilyin", "Ilin", "Iljin"],
    "Баранов": ["Baranov", "Baranow"], "Сорокин": ["Sorokin"], "Виноградов": ["Vinogradov", "Winogradow"],
    "Богданов": ["Bogdanov", "Bogdanow"], "Воробьёв": ["Vorobyov", "Vorobev", "Worobjow"],
}  # fmt: skip
ARABIC_GIVEN = {
    "محمد": ["Mohammed", "Muhammad", "Mohamed", "Mohamad"], "أحمد": ["Ahmed", "Ahmad"], "علي": ["Ali"],
    "حسن": ["Hassan", "Hasan"], "حسين": ["Hussein", "Hussain", "Hosseyn"], "خالد": ["Khaled", "Khalid"],
    "عمر": ["Omar", "Umar"], "يوسف": ["Youssef", "Yusuf", "Yousef"], "إبراهيم": ["Ibrahim", "Ebrahim"],
    "سعيد": ["Said", "Saeed"], "كريم": ["Karim", "Kareem"], "مصطفى": ["Mustafa", "Moustafa", "Mostafa"],
    "طارق": ["Tariq", "Tarek"], "جمال": ["Jamal", "Gamal"], "سامي": ["Sami", "Samy"],
    "فاطمة": ["Fatima", "Fatma"], "عائشة": ["Aisha", "Aicha"], "مريم": ["Maryam", "Mariam"],
    "زينب": ["Zainab", "Zeinab"], "نور": ["Nour", "Noor"], "ليلى": ["Layla", "Leila"], "سلمى": ["Salma"],
}  # fmt: skip
ARABIC_FAMILY = {
    "حداد": ["Haddad"], "منصور": ["Mansour", "Mansur"], "سليمان": ["Suleiman", "Soliman", "Sulayman"],
    "خليل": ["Khalil"], "نصر": ["Nasr", "Nasser"], "عباس": ["Abbas"], "يونس": ["Younes", "Yunus"],
    "جابر": ["Jaber", "Jabir"], "صالح": ["Saleh", "Salih"], "رشيد": ["Rashid", "Rachid"],
    "عثمان": ["Othman", "Osman"], "قاسم": ["Qasim", "Kassem"], "حمدان": ["Hamdan"], "بكر": ["Bakr", "Bakir"],
    "عيسى": ["Issa", "Eissa"], "شريف": ["Sharif", "Cherif"], "فرحات": ["Farhat"], "زيدان": ["Zidane", "Zaidan"],
    "مراد": ["Mourad", "Murad"], "داود": ["Daoud", "Dawood"], "كامل": ["Kamel", "Kamil"],
    "سلامة": ["Salama", "Salameh"], "عمران": ["Imran", "Omran"], "نجار": ["Najjar", "Naggar"],
}  # fmt: skip
CHINESE_FAMILY = {"王": "Wang", "李": "Li", "张": "Zhang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "黄": "Huang",
                  "赵": "Zhao", "吴": "Wu", "周": "Zhou", "徐": "Xu", "孙": "Sun", "马": "Ma", "朱": "Zhu",
                  "胡": "Hu", "郭": "Guo", "何": "He", "林": "Lin", "罗": "Luo", "高": "Gao"}
CHINESE_GIVEN = {"小明": "Xiaoming", "伟": "Wei", "芳": "Fang", "娜": "Na", "秀英": "Xiuying", "敏": "Min",
                 "静": "Jing", "丽": "Li", "强": "Qiang", "磊": "Lei", "军": "Jun", "洋": "Yang", "勇": "Yong",
                 "艳": "Yan", "杰": "Jie", "涛": "Tao", "明": "Ming", "超": "Chao", "秀兰": "Xiulan",
                 "霞": "Xia", "平": "Ping", "刚": "Gang", "桂英": "Guiying", "建华": "Jianhua", "志强": "Zhiqiang",
                 "海燕": "Haiyan", "晓东": "Xiaodong", "国平": "Guoping", "文博": "Wenbo", "子豪": "Zihao"}
GREEK_GIVEN = {"Γιώργος": ["Giorgos", "Yiorgos", "Georgios"], "Νίκος": ["Nikos"], "Δημήτρης": ["Dimitris", "Dimitrios"],
               "Κώστας": ["Kostas", "Costas"], "Ελένη": ["Eleni", "Helen"], "Μαρία": ["Maria"],
               "Αικατερίνη": ["Aikaterini", "Ekaterini"], "Σοφία": ["Sofia", "Sophia"], "Ιωάννης": ["Ioannis", "Yannis"],
               "Παναγιώτης": ["Panagiotis", "Panayiotis"], "Βασίλειος": ["Vasileios", "Vasilios"],
               "Χρήστος": ["Christos", "Hristos"]}
GREEK_FAMILY = {"Παπαδόπουλος": ["Papadopoulos", "Papadopulos"], "Παπαδάκης": ["Papadakis"],
                "Γεωργίου": ["Georgiou", "Yeorgiou"], "Οικονόμου": ["Oikonomou", "Economou"],
                "Νικολάου": ["Nikolaou", "Nicolaou"], "Καραγιάννης": ["Karagiannis", "Karayannis"],
                "Βασιλείου": ["Vasileiou", "Vassiliou"], "Αθανασίου": ["Athanasiou"],
                "Μακρής": ["Makris", "Macris"], "Αλεξίου": ["Alexiou"], "Δημητρίου": ["Dimitriou", "Demetriou"],
                "Κωνσταντίνου": ["Konstantinou", "Constantinou"], "Ζαχαρίου": ["Zachariou", "Zahariou"]}
LATIN_GIVEN = {
    "FRA": ["Jean", "Pierre", "François", "Hélène", "Jérôme", "Amélie", "Céline", "Stéphane", "Benoît", "Noémie",
            "Mathieu", "Julien", "Camille", "Élodie", "Sébastien", "Aurélie", "Thibault", "Gaëlle", "Loïc", "Maëlle"],
    "DEU": ["Jürgen", "Klaus", "Stefan", "Matthias", "Sabine", "Ursula", "Jörg", "Björn", "Günther", "Anja",
            "Katrin", "Tobias", "Heike", "Wolfgang", "Dörte", "Maximilian", "Lukas", "Jana", "Uwe", "Birgit"],
    "ESP": ["José", "María", "Javier", "Álvaro", "Lucía", "Sergio", "Raúl", "Inés", "Andrés", "Begoña",
            "Íñigo", "Rocío", "Jesús", "Nuria", "Óscar", "Pilar", "Ramón", "Marta", "Héctor", "Ainhoa"],
    "POL": ["Łukasz", "Paweł", "Wojciech", "Małgorzata", "Agnieszka", "Krzysztof", "Grzegorz", "Katarzyna",
            "Michał", "Joanna", "Tomasz", "Żaneta", "Bartłomiej", "Dorota", "Jacek", "Ewa"],
    "ITA": ["Giuseppe", "Giovanni", "Francesca", "Alessandro", "Chiara", "Matteo", "Lorenzo", "Federica",
            "Niccolò", "Giulia", "Salvatore", "Antonella", "Vincenzo", "Carmela", "Gianluca", "Rosaria"],
}  # fmt: skip
LATIN_FAMILY_PARTS = {
    "FRA": (["Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Chevalier", "Garnier", "Lambert",
             "Bonnet", "Mercier", "Faure", "Gauthier", "Perrin", "Clément", "Morel", "Fournier", "Lemoine",
             "Barbier", "Renaud", "Brunet", "Roussel", "Leclerc", "Masson", "Lacroix", "Marchand"], ["", "-Laval", "-Roux"]),
    "DEU": (["Müller", "Schröder", "Schäfer", "Weiß", "Krüger", "Hoffmann", "Wagner", "Becker", "Schulz",
             "Zimmermann", "Braun", "Hartmann", "Lange", "Köhler", "Fuchs", "Vogel", "Jäger", "Günther",
             "Lorenz", "Baumann", "Franke", "Albrecht", "Schumacher", "Wolff"], ["", "mann", "-Berg"]),
    "ESP": (["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
             "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Navarro",
             "Torres", "Domínguez", "Vázquez"], None),
    "POL": (["Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
             "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Krawczyk", "Piotrowski",
             "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Nowicki"], ["", "-Nowak"]),
    "ITA": (["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
             "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
             "Barbieri", "Fontana", "Santoro", "Mariani"], None),
}  # fmt: skip
CULTURES = ["FRA", "DEU", "ESP", "POL", "ITA", "RUS", "ARA", "CHN", "GRC"]
CULTURE_WEIGHTS = [14, 14, 12, 10, 12, 14, 12, 6, 6]
NATIONALITY = {"FRA": "FRA", "DEU": "DEU", "ESP": "ESP", "POL": "POL", "ITA": "ITA", "RUS": "RUS",
               "ARA": "MAR", "CHN": "CHN", "GRC": "GRC"}
SOURCES = ["FRA", "DEU", "ESP", "POL", "ITA", "NLD", "BEL", "AUT", "GRC", "SWE"]
STREETS = ["Main Street", "Station Road", "Rue de la Paix", "Hauptstraße", "Calle Mayor", "Via Roma",
           "ulica Długa", "Kerkstraat", "Avenue Louise", "Ringstraße", "Church Lane", "Harbour Road",
           "Rue Victor Hugo", "Bahnhofstraße", "Plaza Mayor", "Corso Italia", "Nowy Świat", "Drottninggatan"]
TOWNS = ["Lyon", "Hamburg", "Sevilla", "Kraków", "Torino", "Rotterdam", "Antwerpen", "Graz", "Thessaloniki",
         "Malmö", "Marseille", "Köln", "Valencia", "Gdańsk", "Napoli", "Utrecht", "Liège", "Linz"]


# Romanisations of Cyrillic, letter by letter: BGN/PCGN, ICAO 9303 (passports), German.
_CYRILLIC = {
    "а": ("a", "a", "a"), "б": ("b", "b", "b"), "в": ("v", "v", "w"), "г": ("g", "g", "g"), "д": ("d", "d", "d"),
    "е": ("e", "e", "e"), "ё": ("yo", "e", "jo"), "ж": ("zh", "zh", "sch"), "з": ("z", "z", "s"),
    "и": ("i", "i", "i"), "й": ("y", "i", "j"), "к": ("k", "k", "k"), "л": ("l", "l", "l"), "м": ("m", "m", "m"),
    "н": ("n", "n", "n"), "о": ("o", "o", "o"), "п": ("p", "p", "p"), "р": ("r", "r", "r"), "с": ("s", "s", "ss"),
    "т": ("t", "t", "t"), "у": ("u", "u", "u"), "ф": ("f", "f", "f"), "х": ("kh", "kh", "ch"),
    "ц": ("ts", "ts", "z"), "ч": ("ch", "ch", "tsch"), "ш": ("sh", "sh", "sch"), "щ": ("shch", "shch", "schtsch"),
    "ы": ("y", "y", "y"), "ь": ("", "", ""), "э": ("e", "e", "e"), "ю": ("yu", "iu", "ju"), "я": ("ya", "ia", "ja"),
}  # fmt: skip


def romanisations(cyrillic: str) -> list[str]:
    """The name in the three romanisation systems, distinct, capitalised."""
    spellings = []
    for system in range(3):
        text = "".join(_CYRILLIC.get(ch, ch) [system] if ch in _CYRILLIC else ch for ch in cyrillic.lower())
        if system == 2 and text.endswith("ow") is False and text.endswith("ov"):
            text = text[:-2] + "ow"
        spellings.append(text.capitalize())
    return list(dict.fromkeys(spellings))


_RUSSIAN_ROOTS = ("Волк Медвед Козл Зайц Сорок Ворон Голуб Лебед Бел Черн Крас Добр Стар Нов Мороз Гром Камен "
                  "Лес Гор Рыб Кузьм Фом Лук Павл Степан Тарас Давыд Борис Денис Макар Никит Тимоф Семен Ефим "
                  "Осип Лавр Карп Мирон Жук Щук Чиж Сыч Грач Ерш Ёлк Юрк Шуст Журавл Полян Рязан Смол Твер "
                  "Казан Сибир Донск Уральск Кир Гаврил Игнат Прохор Савел Сидор Тихон Филипп Харит Яким").split()
_RUSSIAN_SUFFIXES = ["ов", "ев", "ин", "енко", "ский", "ович", "ихин", "ушкин"]
_LATIN_PARTS = {
    "DEU": ("Stein Berg Hof Brand Wald Feld Bach Holz Kirch Linden Rosen Schön Eisen Gold Silber Grün Kessel "
            "Mühl Wein Kauf Zimmer Hage Lau Ross Falk Hirsch Adler Vogt Stroh Moos").split(),
    "FRA": ("Du Le La Beau Bon Mont Ville Val Roche Font Bel Chau Mar Ber Gar Fer Lam Mor Per Ros Fon Char "
            "Bou Gau Mal Ri Sa Ver Cha Ro").split(),
    "ITA": "Ross Bian Fer Espos Colomb Ric Mar Gre Brun Gall Cont Lucc Manc Cost Giord Rizz Lomb Mor Barb Font Sant Mari Vit Serr Pell Caru Fab Gent Orl Testa".split(),
    "POL": "Kowal Wiśniew Wójc Kamiń Lewandow Zieliń Szymań Woźn Dąbrow Kozłow Jankow Mazur Krawc Piotrow Grabow Nowakow Pawłow Michal Nowic Adamc Dudz Sikor Bar Zając Król Wiecz Jaworsk Malin Wrób Stępn".split(),
    "ESP": "Fern Gonz Rodr Hern Mart Sánch Ram Dom Vel Gim Men Ben Lor Esc Sol Ib Cal Gal Nav Riv Sot Cab Vid Prie Herr Card Agu Pard Cam Pas".split(),
}  # fmt: skip
_LATIN_SUFFIXES = {
    "DEU": ["mann", "er", "berg", "feld", "bach", "hof", "meier", "huber", "bauer", "hausen", "inger", "ke"],
    "FRA": ["bois", "mont", "champ", "lier", "nier", "rand", "ard", "eau", "ier", "aud", "on", "elle"],
    "ITA": ["i", "o", "elli", "etti", "ini", "ucci", "one", "ari", "esi", "ano"],
    "POL": ["ski", "ak", "ek", "owicz", "iak", "czyk", "ewski", "ecki"],
    "ESP": ["ández", "ález", "íguez", "ero", "ado", "illo", "aza", "era", "ón", "oso"],
}
_CHINESE_CHARS = {"伟": "wei", "芳": "fang", "娜": "na", "敏": "min", "静": "jing", "丽": "li", "强": "qiang",
                  "磊": "lei", "军": "jun", "洋": "yang", "勇": "yong", "艳": "yan", "杰": "jie", "涛": "tao",
                  "明": "ming", "超": "chao", "霞": "xia", "平": "ping", "刚": "gang", "华": "hua", "国": "guo",
                  "文": "wen", "博": "bo", "海": "hai", "燕": "yan", "东": "dong", "志": "zhi", "建": "jian",
                  "晓": "xiao", "红": "hong", "玉": "yu", "春": "chun", "秋": "qiu", "鹏": "peng", "飞": "fei",
                  "林": "lin", "云": "yun", "宁": "ning", "嘉": "jia", "欣": "xin", "浩": "hao", "宇": "yu"}
# Zipf exponent of name frequencies: a few names are common, most are rare.
_ZIPF = 0.7


def _zipf_weights(count: int) -> list[float]:
    return [1.0 / (rank + 1) ** _ZIPF for rank in range(count)]


def _family_pools() -> dict[str, list[tuple[str, list[str]]]]:
    pools: dict[str, list[tuple[str, list[str]]]] = {}
    russian = [(native, spellings) for native, spellings in RUSSIAN_FAMILY_ROOTS.items()]
    russian += [(root + suffix, romanisations(root + suffix)) for root in _RUSSIAN_ROOTS for suffix in _RUSSIAN_SUFFIXES]
    pools["RUS"] = russian
    for culture, (real, _suffixes) in LATIN_FAMILY_PARTS.items():
        made = [(name, [name]) for name in real]
        if culture in _LATIN_PARTS:
            made += [(root + suffix, [root + suffix]) for root in _LATIN_PARTS[culture]
                     for suffix in _LATIN_SUFFIXES[culture]]
        pools[culture] = made
    arabic = [(native, spellings) for native, spellings in ARABIC_FAMILY.items()]
    arabic += [(native, spellings) for native, spellings in ARABIC_GIVEN.items()]  # patronymic family names
    pools["ARA"] = arabic
    pools["CHN"] = [(native, [latin]) for native, latin in CHINESE_FAMILY.items()]
    pools["GRC"] = [(native, spellings) for native, spellings in GREEK_FAMILY.items()]
    return pools


FAMILY_POOLS = _family_pools()
CHINESE_GIVEN.update({a + b: _CHINESE_CHARS[a] + _CHINESE_CHARS[b] for a in _CHINESE_CHARS for b in _CHINESE_CHARS
                      if a != b and len(CHINESE_GIVEN) < 1200})


@dataclass
class Person:
    """The truth about one person: what every record of them is a version of."""

    number: int
    culture: str
    sex: int
    given: list[tuple[str, list[str]]]  # (native form, Latin spellings)
    family: tuple[str, list[str]]
    birth: tuple[int, int, int]
    nationality: str
    passport: str
    address: tuple[str, str, str, str]  # street, house number, postcode, town


@dataclass
class Population:
    """Generated person entities and the truth: entity id -> person number."""

    entities: list[entity_pb2.Entity] = field(default_factory=list)
    truth: dict[str, int] = field(default_factory=dict)

    def true_pairs(self) -> set[tuple[str, str]]:
        by_person: dict[int, list[str]] = {}
        for entity_id, person in self.truth.items():
            by_person.setdefault(person, []).append(entity_id)
        pairs: set[tuple[str, str]] = set()
        for ids in by_person.values():
            pairs.update(tuple(sorted(p)) for p in combinations(ids, 2))  # type: ignore[misc]
        return pairs


def _latin_given(rng: random.Random, culture: str) -> tuple[str, list[str]]:
    if culture == "RUS":
        native = rng.choice(list(RUSSIAN_GIVEN))
        return native, RUSSIAN_GIVEN[native]
    if culture == "ARA":
        native = rng.choice(list(ARABIC_GIVEN))
        return native, ARABIC_GIVEN[native]
    if culture == "CHN":
        native = rng.choice(list(CHINESE_GIVEN))
        return native, [CHINESE_GIVEN[native]]
    if culture == "GRC":
        native = rng.choice(list(GREEK_GIVEN))
        return native, GREEK_GIVEN[native]
    name = rng.choice(LATIN_GIVEN[culture])
    return name, [name]


def _family(rng: random.Random, culture: str) -> tuple[str, list[str]]:
    pool = FAMILY_POOLS[culture]
    native, spellings = rng.choices(pool, _zipf_weights(len(pool)))[0]
    if culture == "ESP":  # Spanish: two family names
        second, _ = rng.choices(pool, _zipf_weights(len(pool)))[0]
        return f"{native} {second}", [f"{native} {second}"]
    return native, spellings


def _passport(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_uppercase, k=2)) + "".join(rng.choices(string.digits, k=7))


def make_person(rng: random.Random, number: int, family_of: Person | None = None) -> Person:
    """A new person; a relative of `family_of` shares its family name and address."""
    culture = family_of.culture if family_of else rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
    given = [_latin_given(rng, culture)]
    if culture not in ("CHN", "ARA") and rng.random() < 0.3:
        given.append(_latin_given(rng, culture))
    year = rng.randint(1950, 2005)
    birth = (year, rng.randint(1, 12), rng.randint(1, 28))
    address = family_of.address if family_of else (
        rng.choice(STREETS), str(rng.randint(1, 199)), f"{rng.randint(10000, 99999)}", rng.choice(TOWNS))
    return Person(number=number, culture=culture, sex=rng.choice([1, 2]), given=given,
                  family=family_of.family if family_of else _family(rng, culture), birth=birth,
                  nationality=NATIONALITY[culture], passport=_passport(rng), address=address)


_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: a letter wrong, missing, doubled or two swapped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + rng.choice(_KEYBOARD) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).replace("ł", "l")


def record_of(rng: random.Random, person: Person, entity_id: str, source: str, first: bool) -> entity_pb2.Entity:
    """One source's record of a person, with the variations that source introduces."""
    native_script = person.culture in ("RUS", "ARA", "CHN", "GRC") and rng.random() < 0.35
    givens = person.given if first or len(person.given) == 1 or rng.random() < 0.6 else person.given[:1]
    if native_script:
        given_text = " ".join(g[0] for g in givens)
        family_text = person.family[0]
    else:
        given_text = " ".join(rng.choice(g[1]) for g in givens)
        family_text = rng.choice(person.family[1])
        if not first and rng.random() < 0.3:
            given_text, family_text = _strip_accents(given_text), _strip_accents(family_text)
        if not first and rng.random() < 0.15:
            words = given_text.split()
            target = rng.randrange(len(words) + 1)
            if target == len(words):
                family_text = typo(rng, family_text)
            else:
                words[target] = typo(rng, words[target])
                given_text = " ".join(words)
    if person.culture == "CHN" and native_script:
        name = names_pb2.PersonName(full_name=family_text + given_text.replace(" ", ""), script="Hani")
    elif rng.random() < 0.5:
        name = names_pb2.PersonName(given_names=given_text, family_name=family_text)
    elif rng.random() < 0.4:
        name = names_pb2.PersonName(full_name=f"{family_text.upper()} {given_text}")
    else:
        name = names_pb2.PersonName(full_name=f"{given_text} {family_text}")
    person_pb = person_pb2.Person(names=[name], sex=person.sex if rng.random() < 0.9 else 0)
    year, month, day = person.birth
    roll = rng.random()
    if not first and roll < 0.05:
        pass  # no date of birth
    else:
        if not first and roll < 0.12:
            month = day = 0
        elif not first and roll < 0.2:
            day = 0
        elif not first and roll < 0.24:
            if day <= 12:
                month, day = day, month
            else:
                day = min(28, max(1, day + rng.choice([-10, 10])))
        person_pb.date_of_birth.CopyFrom(dates_pb2.PartialDate(year=year, month=month, day=day))
    if rng.random() < 0.8:
        person_pb.nationalities.append(person.nationality)
    if rng.random() < 0.5:
        number = person.passport
        if rng.random() < 0.3:
            number = f"{number[:2]} {number[2:5]} {number[5:]}"
        person_pb.documents.append(person_pb2.IdentityDocument(document_type="PASSPORT", number=number,
                                                              issuing_country=person.nationality))
    if rng.random() < 0.5:
        street, house, postcode, town = person.address
        if rng.random() < 0.2:  # moved, or another address known to this source
            street, house, postcode, town = rng.choice(STREETS), str(rng.randint(1, 199)), \
                f"{rng.randint(10000, 99999)}", rng.choice(TOWNS)
        person_pb.addresses.append(location_pb2.Location(street=street, house_number=house, postal_code=postcode,
                                                         locality=town))
    return entity_pb2.Entity(
        id=entity_id,
        provenance=provenance_pb2.Provenance(data_owner=source, source_system=f"{source}-POL",
                                             source_record_id=entity_id),
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS),
        person=person_pb,
    )


CLUSTER_SIZES = [1, 2, 3, 4, 5]
CLUSTER_WEIGHTS = [30, 30, 22, 12, 6]


def people(count: int, seed: int = 7) -> Iterator[tuple[Person, list[entity_pb2.Entity]]]:
    """Persons with their records until `count` records are made."""
    rng = random.Random(seed)
    made = 0
    number = 0
    last: Person | None = None
    while made < count:
        relative = last is not None and rng.random() < 0.1
        person = make_person(rng, number, last if relative else None)
        size = min(rng.choices(CLUSTER_SIZES, CLUSTER_WEIGHTS)[0], count - made)
        sources = rng.sample(SOURCES, size)
        records = [record_of(rng, person, f"ent_{made + n:026d}", source, n == 0) for n, source in enumerate(sources)]
        made += size
        number += 1
        last = person
        yield person, records


def population(count: int, seed: int = 7) -> Population:
    """`count` person records of about count / 2.2 people, with the truth."""
    result = Population()
    for person, records in people(count, seed):
        for record in records:
            result.entities.append(record)
            result.truth[record.id] = person.number
    return result


def pairwise_quality(clusters: list[list[str]], truth_pairs: set[tuple[str, str]]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of predicted clusters against the true pairs."""
    predicted: set[tuple[str, str]] = set()
    for members in clusters:
        predicted.update(tuple(sorted(p)) for p in combinations(members, 2))  # type: ignore[misc]
    true_positive = len(predicted & truth_pairs)
    precision = true_positive / len(predicted) if predicted else 1.0
    recall = true_positive / len(truth_pairs) if truth_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
