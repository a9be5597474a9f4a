"""Name pools, places and source systems of the demo countries, and the ways their
names are written in Latin letters by foreign sources.

The romanisations here are the generator's own model of how real sources write
names (ICAO 9303 passports, BGN/PCGN, German usage, ELOT 743, informal Arabic
spellings, pinyin with varying spacing): the data the search is tested against.
The matcher (services.uim.names) does not use them; it relies on maintained
libraries, so the test is not circular.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Given:
    """A given name as its culture writes it, and Latin spellings other sources use
    (empty: derived by the culture's romanisation systems)."""

    native: str
    latin: tuple[str, ...] = ()


@dataclass(frozen=True)
class Culture:
    """One country's people: names in their own script, where they live, and the
    systems its police record them in."""

    country: str
    script: str
    male: tuple[Given, ...]
    female: tuple[Given, ...]
    surnames: tuple[Given, ...]
    cities: tuple[tuple[str, float, float], ...]
    source_systems: tuple[str, ...]
    #: Russian-style surnames take a feminine ending (Petrov / Petrova).
    feminine_surnames: bool = False
    #: A patronymic or father's name is a common middle name.
    patronymic: bool = False
    #: Family name written first at home (Chinese).
    family_first: bool = False
    #: Two family names (Spanish).
    two_surnames: bool = False


def _g(*names: str) -> tuple[Given, ...]:
    return tuple(Given(n) for n in names)


def _a(*pairs: str) -> tuple[Given, ...]:
    """Arabic pairs: "native|Latin1,Latin2"."""
    out = []
    for pair in pairs:
        native, latin = pair.split("|")
        out.append(Given(native, tuple(latin.split(","))))
    return tuple(out)


CULTURES: tuple[Culture, ...] = (
    Culture(
        "FRA", "Latn",
        _g("Jean", "Pierre", "Michel", "François", "Stéphane", "Jérôme", "Hervé", "Benoît", "Sébastien",
           "Frédéric", "Nicolas", "Thierry", "Olivier", "Philippe", "Laurent", "Julien", "Cédric", "Grégoire",
           "Antoine", "Mathieu", "Rémi", "Loïc", "Yannick", "Gaël"),
        _g("Marie", "Hélène", "Élodie", "Céline", "Isabelle", "Nathalie", "Sylvie", "Aurélie", "Chloé",
           "Mélanie", "Véronique", "Sandrine", "Béatrice", "Émilie", "Noémie", "Léa", "Camille", "Agnès"),
        _g("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Simon", "Laurent", "Lefèvre", "Michel", "Garçon", "Fournier", "Girard", "Bonnet", "Dupont",
           "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André", "Mercier",
           "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Légaré", "Gauthier", "Perrin",
           "Morel", "Rivière", "Bélanger", "Clément", "Lemaître", "Bréhaut", "Poirier", "Château"),
        (("Paris", 48.8566, 2.3522), ("Marseille", 43.2965, 5.3698), ("Lyon", 45.764, 4.8357),
         ("Lille", 50.6292, 3.0573), ("Nice", 43.7102, 7.262)),
        ("FRA-FPR", "FRA-TAJ", "FRA-FIJAIS"),
    ),
    Culture(
        "DEU", "Latn",
        _g("Jürgen", "Klaus", "Stefan", "Thomas", "Michael", "Andreas", "Wolfgang", "Uwe", "Günter", "Jörg",
           "Matthias", "Sebastian", "Tobias", "Florian", "Björn", "Lukas", "Maximilian", "Dieter", "Bernd",
           "Rüdiger"),
        _g("Sabine", "Ursula", "Monika", "Petra", "Claudia", "Jutta", "Katharina", "Brigitte", "Anja",
           "Jana", "Sünje", "Heike", "Birgit", "Kerstin", "Dörte", "Annegret"),
        _g("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
           "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
           "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
           "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
           "Weiß", "Jung", "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
           "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm"),
        (("Berlin", 52.52, 13.405), ("Hamburg", 53.5511, 9.9937), ("München", 48.1351, 11.582),
         ("Köln", 50.9375, 6.9603), ("Frankfurt am Main", 50.1109, 8.6821)),
        ("DEU-INPOL", "DEU-PIAV"),
    ),
    Culture(
        "ITA", "Latn",
        _g("Giuseppe", "Giovanni", "Antonio", "Mario", "Francesco", "Luigi", "Angelo", "Vincenzo", "Pietro",
           "Salvatore", "Carlo", "Franco", "Domenico", "Bruno", "Paolo", "Niccolò", "Lorenzo", "Matteo"),
        _g("Maria", "Anna", "Giuseppina", "Rosa", "Angela", "Giovanna", "Teresa", "Lucia", "Carmela",
           "Caterina", "Francesca", "Antonella", "Chiara", "Federica"),
        _g("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi",
           "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli",
           "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola",
           "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Fabbri", "Bianco"),
        (("Roma", 41.9028, 12.4964), ("Milano", 45.4642, 9.19), ("Napoli", 40.8518, 14.2681),
         ("Torino", 45.0703, 7.6869), ("Palermo", 38.1157, 13.3615)),
        ("ITA-SDI", "ITA-CED"),
    ),
    Culture(
        "ESP", "Latn",
        _g("José", "Antonio", "Manuel", "Francisco", "Juan", "David", "Javier", "Jesús", "Daniel", "Carlos",
           "Miguel", "Alejandro", "Rafael", "Pablo", "Sergio", "Fernando", "Jorge", "Ángel", "Raúl", "Andrés"),
        _g("María", "Carmen", "Josefa", "Isabel", "Ana", "Dolores", "Pilar", "Teresa", "Rosa", "Cristina",
           "Lucía", "Paula", "Mercedes", "Ángela", "Inés", "Raquel"),
        _g("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso",
           "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano",
           "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín",
           "Sanz", "Núñez", "Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano"),
        (("Madrid", 40.4168, -3.7038), ("Barcelona", 41.3874, 2.1686), ("Valencia", 39.4699, -0.3763),
         ("Sevilla", 37.3891, -5.9845), ("Málaga", 36.7213, -4.4214)),
        ("ESP-PERPOL", "ESP-SIGO"),
        two_surnames=True,
    ),
    Culture(
        "NLD", "Latn",
        _g("Jan", "Johannes", "Cornelis", "Hendrik", "Pieter", "Willem", "Gerrit", "Dirk", "Jacobus", "Bas",
           "Maarten", "Sjoerd", "Thijs", "Joost", "Ruud", "Wouter"),
        _g("Maria", "Johanna", "Anna", "Wilhelmina", "Cornelia", "Elisabeth", "Hendrika", "Sanne", "Femke",
           "Anouk", "Marieke", "Inge"),
        _g("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
           "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
           "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
           "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
           "de Bruijn", "de Bruin", "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet"),
        (("Amsterdam", 52.3676, 4.9041), ("Rotterdam", 51.9244, 4.4777), ("Den Haag", 52.0705, 4.3007),
         ("Utrecht", 52.0907, 5.1214), ("Eindhoven", 51.4416, 5.4697)),
        ("NLD-BVH", "NLD-HKS"),
    ),
    Culture(
        "POL", "Latn",
        _g("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Józef", "Marcin", "Marek", "Michał", "Grzegorz",
           "Jerzy", "Tadeusz", "Łukasz", "Wojciech", "Zbigniew", "Ryszard", "Dariusz", "Mieczysław"),
        _g("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta",
           "Zofia", "Joanna", "Magdalena", "Jadwiga", "Bożena", "Grażyna"),
        _g("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
           "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
           "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Nowicki", "Adamczyk", "Dudek",
           "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski", "Jaworski", "Wróbel",
           "Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak"),
        (("Warszawa", 52.2297, 21.0122), ("Kraków", 50.0647, 19.945), ("Łódź", 51.7592, 19.456),
         ("Wrocław", 51.1079, 17.0385), ("Gdańsk", 54.352, 18.6466)),
        ("POL-KSIP",),
    ),
    Culture(
        "RUS", "Cyrl",
        _g("Иван", "Сергей", "Алексей", "Дмитрий", "Андрей", "Юрий", "Михаил", "Николай", "Владимир", "Павел",
           "Александр", "Евгений", "Максим", "Фёдор", "Григорий", "Виктор", "Олег", "Игорь", "Константин",
           "Вячеслав", "Аркадий", "Пётр", "Тимофей", "Илья"),
        _g("Ольга", "Наталья", "Елена", "Татьяна", "Юлия", "Ирина", "Светлана", "Екатерина", "Анастасия",
           "Мария", "Ксения", "Людмила", "Галина", "Дарья", "Валентина", "Надежда"),
        _g("Петров", "Иванов", "Смирнов", "Кузнецов", "Щербаков", "Соколов", "Попов", "Лебедев", "Козлов",
           "Новиков", "Морозов", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев",
           "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов",
           "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев", "Ковалёв", "Ильин", "Гусев", "Титов",
           "Кузьмин", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов", "Яковлев", "Сорокин",
           "Сергеев", "Романов", "Захаров", "Борисов", "Королёв", "Герасимов", "Пономарёв", "Григорьев",
           "Лазарев", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов", "Поляков", "Цветков", "Жуков",
           "Фролов", "Журавлёв", "Крылов", "Хохлов", "Чернов", "Шилов", "Ефимов", "Юдин"),
        (("Москва", 55.7558, 37.6173), ("Санкт-Петербург", 59.9311, 30.3609), ("Казань", 55.7963, 49.1088),
         ("Екатеринбург", 56.8389, 60.6057), ("Новосибирск", 55.0084, 82.9357)),
        ("RUS-MVD", "RUS-GIAC"),
        feminine_surnames=True, patronymic=True,
    ),
    Culture(
        "UKR", "Cyrl",
        _g("Олександр", "Андрій", "Сергій", "Тарас", "Богдан", "Микола", "Василь", "Дмитро", "Юрій", "Віктор",
           "Олег", "Петро", "Іван", "Ярослав", "Остап", "Григорій"),
        _g("Олена", "Наталія", "Оксана", "Тетяна", "Ірина", "Юлія", "Галина", "Катерина", "Людмила", "Марія",
           "Ольга", "Світлана", "Ганна", "Віра"),
        _g("Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник", "Шевчук",
           "Поліщук", "Бойко", "Коваль", "Савченко", "Руденко", "Марченко", "Лисенко", "Мороз", "Петренко",
           "Кравчук", "Клименко", "Павленко", "Левченко", "Харченко", "Карпенко", "Гнатюк", "Литвиненко",
           "Кузьменко", "Кириленко", "Онищенко", "Гончаренко", "Ярошенко", "Федоренко", "Ґудзь",
           "Білоус", "Дячук", "Мірошниченко", "Запорожець", "Якименко", "Юрченко"),
        (("Київ", 50.4501, 30.5234), ("Харків", 49.9935, 36.2304), ("Одеса", 46.4825, 30.7233),
         ("Львів", 49.8397, 24.0297), ("Дніпро", 48.4647, 35.0462)),
        ("UKR-IPNP",),
        patronymic=True,
    ),
    Culture(
        "GRC", "Grek",
        _g("Γιώργος", "Δημήτρης", "Κωνσταντίνος", "Νίκος", "Γιάννης", "Παναγιώτης", "Βασίλης", "Χρήστος",
           "Αθανάσιος", "Ευάγγελος", "Μιχάλης", "Σταύρος", "Θανάσης", "Σπύρος", "Αντώνης", "Στέλιος"),
        _g("Μαρία", "Ελένη", "Αικατερίνη", "Σοφία", "Γεωργία", "Δέσποινα", "Αναστασία", "Ευαγγελία",
           "Χριστίνα", "Βασιλική", "Ειρήνη", "Κωνσταντίνα"),
        _g("Παπαδόπουλος", "Παπαδάκης", "Γεωργίου", "Οικονόμου", "Νικολάου", "Παππάς", "Βασιλείου", "Ιωάννου",
           "Κωνσταντινίδης", "Αντωνίου", "Μακρής", "Αλεξίου", "Δημητρίου", "Καραγιάννης", "Χατζηδάκης",
           "Μαυρίδης", "Σταυρόπουλος", "Αθανασίου", "Πετρόπουλος", "Λαμπράκης", "Κατσαρός", "Ζαχαρίου",
           "Θεοδωρίδης", "Ξανθόπουλος", "Χριστοδούλου", "Ευθυμίου", "Μπακογιάννης", "Ντόκας", "Φωτίου",
           "Ψαράς", "Τσακίρης", "Σαββίδης"),
        (("Αθήνα", 37.9838, 23.7275), ("Θεσσαλονίκη", 40.6401, 22.9444), ("Πάτρα", 38.2466, 21.7346),
         ("Ηράκλειο", 35.3387, 25.1442), ("Πειραιάς", 37.942, 23.6465)),
        ("GRC-ELAS",),
    ),
    Culture(
        "TUR", "Latn",
        _g("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman", "Yusuf",
           "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Abdullah", "Emre", "Çağlar", "Oğuz", "Şükrü"),
        _g("Fatma", "Ayşe", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Zehra", "Sultan",
           "Hülya", "Gülşen", "Özlem", "Büşra"),
        _g("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
           "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat",
           "Özcan", "Korkmaz", "Çakır", "Erdoğan", "Yavuz", "Can", "Acar", "Şen", "Aktaş", "Güler", "Yalçın",
           "Güneş", "Bozkurt", "Bulut", "Keskin", "Ünal", "Turan", "Gül", "Özer"),
        (("İstanbul", 41.0082, 28.9784), ("Ankara", 39.9334, 32.8597), ("İzmir", 38.4237, 27.1428),
         ("Bursa", 40.1826, 29.0665), ("Antalya", 36.8969, 30.7133)),
        ("TUR-POLNET",),
    ),
    Culture(
        "GBR", "Latn",
        _g("John", "David", "Michael", "Paul", "Andrew", "Mark", "James", "Richard", "Peter", "Stephen",
           "Christopher", "Robert", "Daniel", "Matthew", "Anthony", "Gareth", "Callum", "Liam"),
        _g("Susan", "Sarah", "Elizabeth", "Margaret", "Karen", "Helen", "Emma", "Claire", "Joanne", "Rachel",
           "Nicola", "Amanda", "Siobhan", "Bethany"),
        _g("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
           "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
           "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
           "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "O'Brien",
           "McDonald", "Fitzgerald", "O'Sullivan", "MacLeod"),
        (("London", 51.5072, -0.1276), ("Manchester", 53.4808, -2.2426), ("Birmingham", 52.4862, -1.8904),
         ("Glasgow", 55.8642, -4.2518), ("Liverpool", 53.4084, -2.9916)),
        ("GBR-PNC", "GBR-PND"),
    ),
    Culture(
        "USA", "Latn",
        _g("James", "Robert", "John", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
           "Carlos", "Luis", "Tyrone", "DeShawn", "Brandon", "Kevin", "Jason", "Ryan"),
        _g("Mary", "Patricia", "Jennifer", "Linda", "Barbara", "Jessica", "Ashley", "Brittany", "Maria",
           "Guadalupe", "Latoya", "Megan", "Tiffany", "Heather"),
        _g("Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson",
           "Martinez", "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin", "Jackson", "Thompson",
           "White", "Lopez", "Lee", "Gonzalez", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Perez",
           "Hall", "Young", "Allen", "Sanchez", "Wright", "King", "Scott", "Green", "Baker", "Adams", "Nelson",
           "Hill", "Ramirez", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Washington"),
        (("New York", 40.7128, -74.006), ("Chicago", 41.8781, -87.6298), ("Miami", 25.7617, -80.1918),
         ("Houston", 29.7604, -95.3698), ("Los Angeles", 34.0522, -118.2437)),
        ("USA-NCIC",),
    ),
    Culture(
        "CHN", "Hans",
        (Given("伟", ("Wei",)), Given("强", ("Qiang",)), Given("磊", ("Lei",)), Given("军", ("Jun",)),
         Given("勇", ("Yong",)), Given("杰", ("Jie",)), Given("涛", ("Tao",)), Given("明", ("Ming",)),
         Given("超", ("Chao",)), Given("刚", ("Gang",)), Given("平", ("Ping",)), Given("辉", ("Hui",)),
         Given("建华", ("Jianhua",)), Given("志强", ("Zhiqiang",)), Given("晓东", ("Xiaodong",)),
         Given("小明", ("Xiaoming",)), Given("国强", ("Guoqiang",)), Given("海涛", ("Haitao",)),
         Given("俊杰", ("Junjie",)), Given("文斌", ("Wenbin",)), Given("建国", ("Jianguo",)),
         Given("宇航", ("Yuhang",)), Given("浩然", ("Haoran",)), Given("子轩", ("Zixuan",)),
         Given("浩", ("Hao",)), Given("宇", ("Yu",)), Given("峰", ("Feng",)), Given("斌", ("Bin",)),
         Given("鹏", ("Peng",)), Given("飞", ("Fei",)), Given("龙", ("Long",)), Given("华", ("Hua",)),
         Given("波", ("Bo",)), Given("林", ("Lin",)), Given("东", ("Dong",)), Given("军", ("Jun",))),
        (Given("芳", ("Fang",)), Given("娜", ("Na",)), Given("敏", ("Min",)), Given("静", ("Jing",)),
         Given("丽", ("Li",)), Given("艳", ("Yan",)), Given("娟", ("Juan",)), Given("霞", ("Xia",)),
         Given("秀英", ("Xiuying",)), Given("桂英", ("Guiying",)), Given("海燕", ("Haiyan",)),
         Given("丽娟", ("Lijuan",)), Given("晓燕", ("Xiaoyan",)), Given("雪梅", ("Xuemei",)),
         Given("欣怡", ("Xinyi",)), Given("梓涵", ("Zihan",)), Given("雨萱", ("Yuxuan",)),
         Given("婷婷", ("Tingting",)), Given("婷", ("Ting",)), Given("雪", ("Xue",)), Given("梅", ("Mei",)),
         Given("玲", ("Ling",)), Given("燕", ("Yan",)), Given("红", ("Hong",)), Given("云", ("Yun",)),
         Given("佳", ("Jia",)), Given("琳", ("Lin",)), Given("怡", ("Yi",)), Given("萱", ("Xuan",)),
         Given("欣", ("Xin",))),
        (Given("王", ("Wang",)), Given("李", ("Li",)), Given("张", ("Zhang",)), Given("刘", ("Liu",)),
         Given("陈", ("Chen",)), Given("杨", ("Yang",)), Given("黄", ("Huang",)), Given("赵", ("Zhao",)),
         Given("吴", ("Wu",)), Given("周", ("Zhou",)), Given("徐", ("Xu",)), Given("孙", ("Sun",)),
         Given("马", ("Ma",)), Given("朱", ("Zhu",)), Given("胡", ("Hu",)), Given("郭", ("Guo",)),
         Given("何", ("He",)), Given("林", ("Lin",)), Given("高", ("Gao",)), Given("罗", ("Luo",)),
         Given("郑", ("Zheng",)), Given("梁", ("Liang",)), Given("谢", ("Xie",)), Given("宋", ("Song",)),
         Given("唐", ("Tang",)), Given("韩", ("Han",)), Given("冯", ("Feng",)), Given("邓", ("Deng",)),
         Given("曹", ("Cao",)), Given("彭", ("Peng",)), Given("曾", ("Zeng",)), Given("萧", ("Xiao",)),
         Given("田", ("Tian",)), Given("董", ("Dong",)), Given("潘", ("Pan",)), Given("袁", ("Yuan",)),
         Given("蔡", ("Cai",)), Given("蒋", ("Jiang",)), Given("余", ("Yu",)), Given("叶", ("Ye",)),
         Given("欧阳", ("Ouyang",)), Given("司马", ("Sima",)), Given("诸葛", ("Zhuge",))),
        (("北京", 39.9042, 116.4074), ("上海", 31.2304, 121.4737), ("广州", 23.1291, 113.2644),
         ("深圳", 22.5431, 114.0579), ("成都", 30.5728, 104.0668)),
        ("CHN-MPS",),
        family_first=True,
    ),
    Culture(
        "EGY", "Arab",
        _a("محمد|Mohammed,Muhammad,Mohamed,Mohamad", "أحمد|Ahmed,Ahmad", "محمود|Mahmoud,Mahmud",
           "حسن|Hassan,Hasan", "حسين|Hussein,Husain,Hussain", "علي|Ali", "عمر|Omar,Umar",
           "يوسف|Youssef,Yusuf,Yousef", "إبراهيم|Ibrahim,Ebrahim", "خالد|Khaled,Khalid",
           "عبدالله|Abdullah,Abdallah,Abd Allah", "عبدالرحمن|Abdulrahman,Abd al-Rahman,Abdelrahman",
           "كريم|Karim,Kareem", "طارق|Tarek,Tariq,Tareq", "مصطفى|Mostafa,Mustafa", "سعيد|Said,Saeed,Sayed",
           "عماد|Emad,Imad", "هشام|Hesham,Hisham", "وليد|Walid,Waleed", "ياسر|Yasser,Yasir"),
        _a("فاطمة|Fatima,Fatma,Fatimah", "عائشة|Aisha,Aicha,Ayesha", "مريم|Mariam,Maryam",
           "نور|Nour,Noor,Nur", "ليلى|Layla,Leila,Laila", "زينب|Zainab,Zeinab,Zaynab", "أميرة|Amira,Ameera",
           "سلمى|Salma", "هناء|Hanaa,Hana", "ياسمين|Yasmin,Yasmine,Jasmin", "رانيا|Rania,Ranya",
           "منى|Mona,Muna"),
        _a("الرشيد|Al-Rashid,Alrashid,El Rashid,Al Rasheed", "حداد|Haddad,Hadad", "منصور|Mansour,Mansur",
           "خليل|Khalil,Khaleel", "ناصر|Nasser,Nasir", "صالح|Saleh,Salih", "حمدان|Hamdan",
           "فاروق|Farouk,Faruq,Farouq", "شريف|Sharif,Sherif,Shereef", "عزيز|Aziz", "إسماعيل|Ismail,Ismael",
           "سليمان|Suleiman,Sulaiman,Soliman", "عبدالعزيز|Abdelaziz,Abdulaziz,Abd al-Aziz",
           "المصري|El-Masri,Elmasry,Al-Masri", "درويش|Darwish,Darweesh", "قاسم|Qasim,Kassem,Qassem",
           "بركات|Barakat", "غانم|Ghanem,Ghanim", "حجازي|Hegazy,Higazi,Hijazi", "فهمي|Fahmy,Fahmi",
           "شوقي|Shawky,Shawqi", "زكي|Zaki,Zaky", "محفوظ|Mahfouz,Mahfuz", "صبري|Sabry,Sabri",
           "رضوان|Radwan,Ridwan", "الشامي|El-Shami,Al-Shami,Elshamy", "عثمان|Othman,Osman,Uthman",
           "جابر|Gaber,Jaber,Jabir", "سالم|Salem,Salim", "بدوي|Badawi,Badawy", "نجيب|Naguib,Najib",
           "الحسيني|El-Husseini,Al-Husseini,Elhusseiny", "عبدالحميد|Abdelhamid,Abdul Hamid"),
        (("القاهرة", 30.0444, 31.2357), ("الإسكندرية", 31.2001, 29.9187), ("الجيزة", 30.0131, 31.2089),
         ("أسوان", 24.0889, 32.8998), ("بورسعيد", 31.2653, 32.3019)),
        ("EGY-MOI",),
        patronymic=True,
    ),
)

BY_COUNTRY = {culture.country: culture for culture in CULTURES}

# Romanisation systems for Cyrillic (Russian and Ukrainian letters).
_CYRILLIC_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "і": "i", "ї": "i", "є": "ie", "ґ": "g", "'": "",
}  # fmt: skip
CYRILLIC_SYSTEMS: dict[str, dict[str, str]] = {
    "ICAO 9303": dict(_CYRILLIC_COMMON, ъ="ie"),
    "BGN/PCGN": dict(_CYRILLIC_COMMON, й="y", ё="yo", ю="yu", я="ya", є="ye", ї="yi"),
    "German": dict(_CYRILLIC_COMMON, в="w", ж="sch", з="s", й="j", х="ch", ц="z", ч="tsch", ш="sch",
                   щ="schtsch", ю="ju", я="ja", ё="jo", є="je", ї="ji", э="e"),
    "French": dict(_CYRILLIC_COMMON, ж="j", й="i", у="ou", х="kh", ч="tch", ш="ch", щ="chtch", ю="iou",
                   я="ia", ё="io"),
}
# Ukrainian: г is h in the national system.
UKRAINIAN_NATIONAL = dict(_CYRILLIC_COMMON, г="h", и="y", й="i", ю="iu", я="ia", є="ie", ї="i", х="kh")

_GREEK_LETTERS = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
GREEK_SYSTEMS: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, str]]] = {
    # ELOT 743 / passports: digraphs kept close to the letters.
    "ELOT 743": ((("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("γγ", "ng"), ("γκ", "gk"), ("μπ", "mp"),
                  ("ντ", "nt")), _GREEK_LETTERS),
    # How names are often spelled abroad: by sound.
    "phonetic": ((("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("αι", "e"), ("ει", "i"), ("οι", "i"),
                  ("γγ", "ng"), ("γι", "yi"), ("γε", "ye"), ("μπ", "b"), ("ντ", "d"), ("χ", "h")),
                 dict(_GREEK_LETTERS, υ="i")),
}


_UNDECOMPOSABLE = {ord(k): v for k, v in {"ł": "l", "Ł": "L", "ı": "i", "ß": "ss", "ø": "o", "đ": "d"}.items()}


_VOWELS = frozenset("aeiouyàáâäãåæèéêëìíîïòóôöõøùúûüýÿıаеёиоуыэюяіїєαεηιουωάέήίόύώϊϋ")


def _cut(word: str) -> int:
    """Where a word splits into two syllable groups: after the first vowel that a
    consonant follows, past the first two letters."""
    lower = word.lower()
    for i in range(2, len(lower) - 1):
        if lower[i - 1] in _VOWELS and lower[i] not in _VOWELS:
            return i
    return max(2, len(word) // 2)


def blend(first: str, second: str) -> str:
    """A rarer surname of the same country: the head of one common surname and the
    tail of another ("Petrov" + "Smirnov" -> "Petrnov"; "Rossi" + "Bianchi" ->
    "Ronchi"), particles kept ("van den Berg" + "Bakker" -> "van den Bekker")."""
    words, last = first.rsplit(" ", 1) if " " in first else ("", first)
    other = second.rsplit(" ", 1)[-1]
    made = last[:_cut(last)] + other[_cut(other):]
    if len(made) < 4 or made.lower() in (last.lower(), other.lower()):
        return first
    return f"{words} {made}".strip()


def strip_accents(text: str) -> str:
    """"García" -> "Garcia": what a foreign system without diacritics records."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.translate(_UNDECOMPOSABLE)


def german_umlauts(text: str) -> str:
    """"Müller" -> "Mueller": the German way of writing without umlauts."""
    table = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
    return "".join(table.get(c, c) for c in text)


def _case_like(source: str, latin: str) -> str:
    return latin[:1].upper() + latin[1:] if source[:1].isupper() else latin


def cyrillic_to_latin(text: str, system: dict[str, str]) -> str:
    words = []
    for word in text.split(" "):
        parts = []
        for part in word.split("-"):
            lower = part.lower()
            latin = "".join(system.get(c, c) for c in lower)
            parts.append(_case_like(part, latin))
        words.append("-".join(parts))
    return " ".join(words)


def greek_to_latin(text: str, system: str) -> str:
    digraphs, letters = GREEK_SYSTEMS[system]
    words = []
    for word in text.split(" "):
        lower = unicodedata.normalize("NFD", word.lower())
        lower = unicodedata.normalize("NFC", "".join(c for c in lower if unicodedata.category(c) != "Mn"))
        for greek, latin in digraphs:
            lower = lower.replace(greek, latin)
        latin = "".join(letters.get(c, c) for c in lower)
        words.append(_case_like(word, latin))
    return " ".join(words)
