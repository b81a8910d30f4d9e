"""Word lists of the assistant, per language: stop words, synonyms, language hints, gate patterns.

Words are folded (lower-case, no accents, `ß` → `ss`) because they are compared with folded text.
"""

STOP_WORDS = {
    "it": frozenset("""
        a ad al alla alle allo ai agli all anche ancora avete avere abbiamo ho hai ha hanno c ci che chi come con
        cosa cose da dal dalla dalle dai degli dei del della delle dello di do e ed era essere gli ha i il in io
        la le li lo loro ma me mi mia mie miei mio ne nel nella nelle nei no noi non o per perche piu po poi
        qua quale quali quando quanto quanti quanta quante quel quella quelle quelli quello questa queste questi
        questo qui se sei si sia siamo siete sono su sua sue sul sulla suo suoi ti tu tra fra tutta tutte tutti
        tutto un una uno vi voi vostro vostra volevo vorrei sapere salve ciao buongiorno buonasera grazie mille
        gentilmente allora ok va bene sapete potete potreste dite dire fare fa l d s n gia solo cui dove ecco
        puo posso possiamo si essere c e stato stata molto tanto proprio ma anzi magari sempre mai ogni
        esattamente preciso precisa di preciso cioe tipo insomma qualche qualcosa
    """.split()),
    "en": frozenset("""
        a an and any are as at be been being but by can could did do does doing for from had has have having he
        her here hers him his how i if in into is it its just me my myself no nor not of on or our ours out
        over own same she should so some such than that the their theirs them then there these they this those
        through to too under until up very was we were what when where which while who whom why will with would
        you your yours hi hello hey please thanks thank s t d ll m re ve also get got need want like
        know tell exactly really ok okay us let lets help
    """.split()),
    "de": frozenset("""
        aber alle allem allen aller alles als also am an auch auf aus bei bin bis bist da dann das dass dem den
        der des die dies diese diesem diesen dieser dieses doch du ein eine einem einen einer eines er es euch
        euer eure fur hab habe haben hat hatte ich ihr ihre im in ist ja jetzt kann konnen man mein meine mich
        mir mit muss nach nicht noch nun nur ob oder ohne sehr sein seine sich sie sind so soll uber um und uns
        unser unsere vom von vor war was welche welchem welchen welcher welches wenn wer wie wir wird wo zu zum zur
        hallo guten tag bitte danke gibt gibts es s denn mal eigentlich genau ganze ganz etwas hier dort
    """.split()),
}

# Colloquial words mapped to the words the knowledge base uses (folded; a value may be several words).
SYNONYMS = {
    "it": {
        "macchina": "auto", "auto": "auto", "posteggio": "parcheggio", "parchegio": "parcheggio",
        "bimbi": "bambini", "bimbo": "bambino", "bimba": "bambina", "piccola": "bambina", "piccolo": "bambino",
        "figlio": "bambino", "figlia": "bambina", "figli": "bambini",
        "soldi": "rimborso", "risarcimento": "rimborso",
        "acqua": "pioggia", "piove": "pioggia", "piovere": "pioggia",
        "cane": "cani", "cagnolino": "cani", "labrador": "cani",
        "corse": "navetta", "pulmino": "navetta", "bus": "navetta",
        "insta": "instagram", "fb": "facebook",
        "entrata": "ingresso", "entrare": "ingresso",
        "luci": "lucine", "sedia": "sedia", "ruote": "rotelle", "carrozzella": "sedia rotelle",
        "medie": "scuole medie", "maestre": "scuola", "alunni": "scolaresca", "elementare": "scuola",
        "banchetti": "bancarelle", "regalino": "regalo", "pensiero": "regalo",
        "ristorantino": "ristorante", "mangiare": "mangiare", "paraggi": "dintorni", "buio": "giorno",
        "tagliando": "contrassegno", "accompagnare": "accompagnatore", "accompagno": "accompagnatore",
        "accompagnatrice": "accompagnatore",
        "spendiamo": "prezzo", "spendere": "prezzo", "spesa": "prezzo", "viene": "costa",
        "marito": "adulti", "moglie": "adulti", "adulto": "adulti", "grande": "adulti", "grandi": "adulti",
        "lasciare": "parcheggiare", "lasciarla": "parcheggiare", "lasciarlo": "parcheggiare", "mettere": "parcheggiare",
        "gira": "durata", "girare": "durata", "consiste": "cos evento", "chiesa": "chiesa santo stefano",
        "birra": "alcolici", "alcol": "alcolici",
        "costano": "costa", "costo": "costa", "tariffa": "prezzo", "pagano": "pagare", "paghiamo": "pagare",
        "chiusi": "chiuso", "chiude": "chiusura", "aprite": "apertura", "apre": "apertura",
        "cena": "mangiare", "cenare": "ristorante", "panino": "mangiare", "bere": "mangiare", "fame": "mangiare",
        "animale": "animali", "gatto": "animali", "cucciolo": "cani",
        "autobus": "navetta", "pullmino": "navetta", "raggiungere": "arrivare", "autostrada": "indicazioni",
        "milano": "indicazioni", "indirizzo": "indirizzo", "posizione": "dove",
        "spostare": "cambiare", "cambio": "cambiare", "modificare": "cambiare", "annullare": "rimborso",
        "rimborsare": "rimborso", "rimborsi": "rimborso", "mail": "email", "telefonare": "telefono",
        "chiamare": "telefono", "numero": "telefono", "disabile": "disabili", "invalido": "disabili",
        "carrozzina": "passeggino", "ore": "orario", "tardi": "ultimo ingresso", "neve": "pioggia",
        "temporale": "pioggia", "maltempo": "pioggia", "gruppo": "gruppo", "classe": "scuola",
        "botteghino": "cassa", "paese": "localita", "comune": "localita", "citta": "localita",
    },
    "en": {
        "kids": "children", "kid": "child", "pupils": "school", "pupil": "school",
        "car": "car", "drive": "car", "driving": "car",
        "pours": "rain", "pouring": "rain", "rains": "rain",
        "buggy": "buggy", "pram": "pram",
        "shut": "closed", "organisers": "contact", "organizers": "contact",
        "reimbursed": "refund", "reimburse": "refund", "reimbursement": "refund",
        "grab": "buy",
        "less": "reduced", "cheaper": "reduced", "weeks": "dates", "running": "season",
        "leave": "park", "eat": "food", "any": "any", "turn": "any", "night": "date",
        "carer": "companion", "caregiver": "companion", "accompany": "companion", "accompanying": "companion",
        "helper": "companion", "escort": "companion",
        "son": "child", "daughter": "child", "children": "children", "costs": "cost", "charge": "price",
        "pets": "dogs", "pet": "dogs", "puppy": "dogs", "drinks": "food", "snack": "food", "hungry": "food",
        "dinner": "food", "money": "refund", "cancel": "refund", "swap": "change", "reschedule": "change",
        "call": "phone", "telephone": "phone", "mail": "email", "address": "location", "located": "location",
        "milan": "directions", "evening": "hours", "train": "train", "weather": "rain", "snow": "rain", "snowing": "rain",
        "wait": "queue", "waiting": "queue", "class": "school", "infant": "baby", "toddler": "baby",
        "close": "closing", "closes": "closing", "late": "latest", "stroller": "stroller",
        "buses": "bus", "coaches": "coach", "town": "location", "village": "location", "toddlers": "baby",
        "infants": "baby", "babies": "baby",
    },
    "de": {
        "karte": "ticket", "karten": "tickets", "eintrittskarte": "ticket",
        "futtern": "essen", "schuttet": "regen", "regnet": "regen",
        "hunde": "hund", "rein": "einlass", "reingelassen": "einlass", "zu": "geschlossen",
        "wohin": "parken", "abstellen": "parken", "abst": "parken",
        "weniger": "ermassigt reduziert", "gunstiger": "ermassigt", "melden": "kontakt", "liegt": "wo standort",
        "chor": "gruppe", "personen": "gruppe", "verein": "gruppe", "stellplatze": "parkplatz",
        "schwerbehindertenausweis": "behindertenparkplatz", "uhr": "uhr",
        "begleite": "begleitperson", "begleiten": "begleitperson", "begleiterin": "begleitperson",
        "sohn": "kind", "tochter": "kind", "kinder": "kinder", "offen": "geoffnet", "oeffnet": "offnet",
        "bezahlen": "zahlen", "kostet": "kosten", "haustier": "haustiere", "katze": "tiere", "hunger": "essen",
        "trinken": "essen", "geld": "erstattung", "tauschen": "umbuchen", "anrufen": "telefon",
        "mailand": "anfahrt", "hinkommen": "anfahrt", "schnee": "regen", "schneit": "regen", "schneien": "regen",
        "regnen": "regen", "wetter": "regen", "warten": "anstehen",
        "klasse": "schulklasse", "baby": "baby", "spat": "spatester einlass", "spater": "spatester einlass",
        "park": "lichterpark",  # the venue; the verb is `parken`
    },
}

LANGUAGE_HINTS = {
    "it": frozenset("""
        il lo la gli le un una di da del della che non per con sono siete avete ho ha posso come quanto quando
        dove cosa ciao buongiorno buonasera grazie vorrei biglietto biglietti parcheggio aperti aperto chiuso
        si puo sabato domenica domani stasera oggi ci sono anche e c mio mia
    """.split()),
    "en": frozenset("""
        the a an is are do does can i we you what where when how which my our your it to of for with there
        this that tickets ticket parking open closed hello hi thanks please tomorrow tonight today
        saturday sunday any have need
    """.split()),
    "de": frozenset("""
        der die das ist sind ich wir sie ihr und nicht wie was wo wann gibt es kann man ein eine mit fur
        haben habt hallo danke bitte karte karten parken geoffnet geschlossen morgen heute samstag sonntag
        auch noch mein meine bei zum zur den dem wird werden kein keine nein unter einen einem durch
    """.split()),
}

# Typed requests for a human (folded, matched as whole words/phrases): escalate without the AI.
HUMAN_REQUEST_PATTERNS = [
    r"\boperat(ore|ori|rice)\b", r"\bpersona (vera|reale|umana)\b", r"\bessere umano\b",
    r"\b(parlare|parlo|parlar) con (qualcuno|una persona|un umano|voi)\b", r"\bassistenza umana\b",
    r"\b(human|humans)\b", r"\b(agent|live agent)\b", r"\breal person\b", r"\b(talk|speak) to (someone|somebody|a person)\b",
    r"\bcustomer (service )?(agent|representative|rep)\b",
    r"\bmitarbeiter(in)?\b", r"\b(mit )?(einem )?menschen? (sprechen|reden)\b", r"\becht\w* (mensch|person)\b",
    r"\bmensch\b\W*$",
]

# Replies that admit not knowing (folded): the gate offers a human.
UNSURE_PATTERNS = [
    r"non sono sicur[oa]", r"non ho (informazioni|dati|dettagli)", r"non (lo )?so\b", r"non conosco",
    r"non posso rispondere", r"non sono in grado", r"contatta(re|ci|teci)?\b", r"rivolgiti", r"operatore",
    r"i'?m not sure", r"i am not sure", r"i don'?t (have|know)", r"i do not (have|know)", r"no information",
    r"not able to answer", r"(please )?contact (us|the|our)", r"an operator",
    r"ich bin (mir )?nicht sicher", r"keine (genauen )?informationen", r"weiss ich nicht", r"kann ich nicht beantworten",
    r"wenden sie sich", r"kontaktieren sie", r"mitarbeiter",
]

# Topics the knowledge base deliberately leaves to a person (billing disputes, orders that went wrong,
# invoices, lost property, complaints and incidents, press, payment methods, services the KB does not
# describe). A question about one of them is never answered from a merely similar FAQ.
HUMAN_TOPICS = {
    "billing": [r"addebit", r"scalat[io]", r"due volte", r"doppi[oa] (pagamento|addebito)", r"charged twice",
                r"double charge", r"charged (me )?twice", r"abgebucht", r"doppelt", r"pagamento (e )?(andato|fallito)",
                r"payment (failed|error)", r"zahlung (fehlgeschlagen|fehler)"],
    "order": [r"(mail|email|e-mail) (di )?conferma", r"conferma dell.?ordine", r"confirmation (e-?mail|mail)",
              r"bestatigung", r"qr ?code", r"non (mi )?(e )?(mai )?arrivat", r"never (got|received)",
              r"nicht (bekommen|erhalten)", r"keine .*bekommen", r"data sbagliata .*domani"],
    "invoice": [r"fattura", r"partita iva", r"invoice", r"\bvat\b", r"rechnung", r"ricevuta fiscale"],
    "lost": [r"\bpers[oaie]\b", r"smarrit", r"dimenticat", r"\blost\b", r"\bleft my\b", r"verloren", r"vergessen",
             r"trovat[io]\b", r"fundburo"],
    "complaint": [r"maleducat", r"scortes", r"segnalar", r"reclam", r"lamentel", r"\brude\b", r"complain",
                  r"unfreundlich", r"beschwer", r"\bhurt\b", r"injur", r"tripped", r"ferit[oa]", r"infortun",
                  r"verletzt", r"gestolpert", r"caduto", r"caduta"],
    "press": [r"giornalist", r"stampa", r"intervist", r"journalist", r"\bpress\b", r"presse", r"accredit"],
    "payment_method": [r"satispay", r"paypal", r"apple ?pay", r"google ?pay", r"contant", r"\bcash\b", r"bargeld",
                       r"bancomat", r"carta di credito", r"credit card", r"kreditkarte", r"\bbar\b zahlen"],
    "other_discounts": [r"studen", r"anzian", r"pensionat", r"over ?65", r"senior", r"rentner", r"militar",
                        r"codice (sconto|promo)", r"promo ?code", r"discount code", r"coupon", r"gutscheincode",
                        r"rabattcode", r"tessera soci", r"\bcral\b", r"aziendal", r"famigli[ae] numeros",
                        r"family (ticket|discount|pass)", r"familien(karte|ticket|rabatt)"],
    "services": [r"fumar", r"smok", r"rauchen", r"\bwi-?fi\b", r"bancomat", r"\batm\b", r"geldautomat",
                 r"babbo natale", r"santa claus", r"weihnachtsmann", r"fuochi d.artificio", r"firework", r"feuerwerk",r"\bbagn[io]\b", r"toilet", r"\bwc\b", r"toilette", r"servizi igienici", r"drone", r"drohne",
                 r"compleann", r"birthday", r"geburtstag", r"treno", r"\btrain\b", r"\bzug\b", r"bahn",
                 r"hotel", r"albergo", r"schliessfach", r"armadiett", r"locker", r"guardaroba", r"garderobe",
                 r"matrimoni", r"wedding", r"hochzeit", r"lavora(re)? con voi", r"\bjob\b"],
}


# Ages in a question decide the ticket: (max age, words added) checked in order; months mean a baby.
AGE_WORDS = {
    "it": [(2, "neonato"), (12, "ridotto biglietto bambino"), (17, "minorenni")],
    "en": [(2, "baby"), (12, "reduced child ticket"), (17, "minors")],
    "de": [(2, "baby"), (12, "ermassigt kinderticket kinderpreis"), (17, "minderjahrige")],
}
AGE_UNIT = r"(anni|anno|mesi|mese|years?|yrs?|months?|jahre?n?|monate?n?)"
AGE_PATTERN = rf"\b(\d{{1,2}})[\s-]*{AGE_UNIT}\b|\b(?:mit|di|da|of) (\d{{1,2}})\b(?![\s-]*{AGE_UNIT})"
# An age's unit and "old" are read as the age (AGE_WORDS), never as a subject ("10 year old" is no New Year).
AGE_SAID = rf"\b(\d{{1,2}})[\s-]*{AGE_UNIT}(?:[\s-]*(?:old|alt))?\b"

# Parties a person arranges (groups, schools, companies, associations, and the discounts and invoices they ask
# for): the KB says whom to write to, and the visitor is also offered a human, whatever the KB says about prices.
# A party of ten or more people counts as a group however it is named.
PARTY_SIZE = r"\b\d{2,3}\s+(?:\w+\s+)?"
HANDOFF_TOPICS = {
    "group": [r"\bgrupp[oi]\b", r"\bcomitiv", r"\bscolaresc", r"\bscuola\b(?! media)", r"\bscuole\b(?! medie)",
              r"\bclass[ei]\b", r"\balunni\b", r"\bmaestr[ae]\b", r"\bgita\b", r"\baziend", r"\bdipendent[ie]\b",
              r"\bconvenzion", r"\bassociazion", r"\bparrocchi", r"\bscout\b",
              r"\bgroups?\b", r"(?<!middle )\bschools?\b", r"\bclass(es)?\b", r"\bpupils?\b", r"\bcompany\b", r"\bcorporate\b",
              r"\bstaff\b", r"\bemployees\b", r"\bcolleagues\b", r"\btour operator", r"\bscouts?\b", r"\btroop\b",
              r"\bparty of\b", r"\bclub\b", r"\bassociation\b",
              r"gruppe", r"schulklasse", r"\bklassen?\b", r"\bfirma\b", r"\bbetrieb", r"\bverein\b", r"\bchor\b",
              r"\bkollegen\b", r"\bschule\b", r"\bpfadfinder",
              PARTY_SIZE + r"(persone|ragazzi|bambini|adulti|partecipanti|people|persons|kids|children|adults|"
              r"guests|personen|leute|kinder|erwachsene|teilnehmer|gaste)\b"],
}

# Season-level questions (folded): the season's dates, its first or last day, the days it is closed. They are
# answered from the calendar's season, never from one evening's hours; a clock-time word keeps a question a day's.
SEASON_CUES = [
    r"\bperiodo\b", r"\bstagione\b", r"\bsettimane\b", r"\bda quando\b", r"\bin che date\b", r"\bquali date\b",
    r"\bda che (giorno|data)\b", r"\bfino a (quando|che giorno|che data)\b", r"\b(prim|ultim)[oa] (giorno|sera|data)\b",
    r"\bseason\b", r"\bweeks\b", r"\b(what|which) dates?\b", r"\b(from|since|until|till) when\b",
    r"\b(first|last) (day|night|evening|date)\b", r"\buntil what date\b",
    r"\bsaison\b", r"\bwochen\b", r"\bzeitraum\b", r"\b(ab|bis) wann\b", r"\bvon welchem tag\b",
    r"\bbis zu welchem (tag|datum)\b", r"\b(erste|letzte)\w* (tag|abend)\b",
]
# Dates, starting and ending verbs make a season question only with a "when", the year or the event as subject.
SEASON_VERBS = [r"\bdates?\b", r"\btermine\b", r"\bdaten\b", r"\binizi\w*", r"\bcominci\w*", r"\bfinisc\w*", r"\btermin\w*", r"\bdura\b",
                r"\bstart\w*", r"\bbegin\w*", r"\bend(s|ing)?\b", r"\bfinish\w*",
                r"\bbeginn\w*", r"\bfangt\b", r"\banfang\w*", r"\bendet\b", r"\blauft\b"]
SEASON_SUBJECT = (r"\b(quando|anno|lucine|evento|manifestazione|mostra|when|year|event|lights|wann|jahr|"
                  r"veranstaltung|ausstellung|lichter)\b")
SEASON_CLOSED = [r"\btutti i giorni\b", r"\bogni giorno\b", r"\bevery (day|night|evening)\b", r"\bjeden (tag|abend)\b",
                 r"\btaglich\b", r"\bgiorni\b.*\bchius", r"\bchius\w*\b.*\bgiorni\b", r"\bdays?\b.*\b(closed|shut)\b",
                 r"\b(closed|shut)\b.*\bdays\b", r"\bruhetag", r"\btag\w*\b.*\b(zu|geschlossen)\b"]
DAY_TIME = (r"\b(che ora|orari?o?|ore|what time|how late|hours?|o'?clock|uhr|uhrzeit|um wie viel|abends|la sera|"
            r"in the evening|ingresso|entry|einlass|navetta|shuttle|\d{1,2}[:.]\d{2})\b")

# Words that join two things in one question ("intero e saltafila", "P2 or P5", "Hund und Essen"), on raw
# lower-case text.
CONNECTORS = (r"\b(e|ed|o|oppure|anche|inoltre|vs|versus|rispetto|tra|fra|and|or|also|than|between|compared|"
              r"und|oder|sowie|auch|als|zwischen|vergleich\w*)\b")
