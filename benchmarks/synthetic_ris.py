"""A synthetic RIS export with a known duplicate rate, for ``benchmarks/dedup.py``: publications drawn from
made-up surnames, journals and titles (seeded), each exported once or several times with the typos, missing fields
and reformatting databases give them, beside look-alikes that must stay apart (conference abstracts, errata,
protocols, replies, parts of a series, short versions)."""
from __future__ import annotations

import csv
import random
import string
from pathlib import Path

_SYLLABLES = ["ka", "mo", "ri", "san", "to", "lee", "ber", "gen", "wa", "ng", "chen", "li", "mar", "tin", "ez",
              "son", "ol", "sk", "ova", "ha", "ya", "shi", "da", "vid", "ro", "ber", "ts", "mu", "ller", "sch",
              "ne", "ide", "ko", "va", "lich", "pe", "rez", "gar", "cia", "nguy", "en", "kim", "park", "zh", "ang"]
_DRUG_STEMS = ["ator", "rosu", "simva", "metfor", "lira", "sema", "dapa", "empa", "cana", "sita", "lina", "vilda",
               "amlo", "losar", "valsar", "olme", "bisopro", "meto", "carve", "nebi", "rami", "enala", "peri",
               "spirono", "eple", "ivabra", "sacu", "apix", "rivarox", "dabi", "edox", "clopido", "tica", "prasu",
               "ritux", "trastu", "beva", "pembro", "nivo", "adali", "inflixi", "tocili", "secuki", "denos"]
_DRUG_ENDS = ["statin", "min", "glutide", "gliflozin", "gliptin", "dipine", "sartan", "pril", "olol", "lactone",
              "renone", "bradine", "bitril", "aban", "gatran", "grel", "mab", "ximab", "zumab", "tinib"]
_CONDITIONS = [
    "type 2 diabetes", "heart failure", "atrial fibrillation", "hypertension", "chronic kidney disease", "stroke",
    "acute myocardial infarction", "COPD", "asthma", "pneumonia", "sepsis", "rheumatoid arthritis", "psoriasis",
    "Crohn's disease", "ulcerative colitis", "breast cancer", "non-small cell lung cancer", "colorectal cancer",
    "prostate cancer", "multiple sclerosis", "Parkinson's disease", "Alzheimer's disease", "major depression",
    "schizophrenia", "osteoporosis", "knee osteoarthritis", "obesity", "gestational diabetes", "preeclampsia",
    "chronic pain", "migraine", "epilepsy", "HIV infection", "hepatitis C", "tuberculosis", "malaria", "COVID-19",
    "pulmonary embolism", "peripheral artery disease", "aortic stenosis", "cirrhosis", "pancreatitis",
    "acute kidney injury", "spinal cord injury", "traumatic brain injury", "glioblastoma", "melanoma",
    "atopic dermatitis", "sickle cell disease", "haemophilia A",
]
_OUTCOMES = [
    "mortality", "hospital readmission", "quality of life", "glycaemic control", "blood pressure",
    "cardiovascular events", "renal function", "cognitive decline", "functional recovery", "pain",
    "length of stay", "adverse events", "bleeding", "progression-free survival", "overall survival", "relapse",
    "adherence", "weight loss", "exercise capacity", "left ventricular function", "infection rates",
    "fracture risk", "depressive symptoms", "sleep quality", "health care costs", "fatigue", "frailty",
    "delirium", "falls", "disability", "lung function", "inflammatory markers", "endothelial function",
]
_POPULATIONS = [
    "older adults", "children", "adolescents", "pregnant women", "postmenopausal women", "veterans",
    "nursing home residents", "kidney transplant recipients", "critically ill patients", "outpatients",
    "patients", "adults", "men", "women", "infants", "athletes", "smokers", "health care workers",
    "dialysis patients", "cancer survivors",
]
_DESIGNS = [
    "randomised controlled trial", "multicentre randomised trial", "prospective cohort study",
    "retrospective cohort study", "case-control study", "cross-sectional study", "systematic review",
    "systematic review and meta-analysis", "pilot study", "pragmatic trial", "registry study",
    "population-based study", "double-blind placebo-controlled trial", "secondary analysis",
]
_COUNTRIES = ["China", "Japan", "Korea", "India", "Brazil", "Germany", "France", "Italy", "Spain", "Sweden",
              "Denmark", "the Netherlands", "the United Kingdom", "the United States", "Canada", "Australia",
              "Nigeria", "Kenya", "Iran", "Turkey", "Mexico", "Poland", "Norway", "Finland", "Taiwan"]
_INTERVENTIONS = ["exercise training", "cognitive behavioural therapy", "telemonitoring", "bariatric surgery",
                  "a nurse-led intervention", "dietary counselling", "early mobilisation", "acupuncture",
                  "a mobile health application", "self-management education", "mindfulness training",
                  "percutaneous coronary intervention", "catheter ablation", "hip arthroplasty", "vaccination"]
_TITLES = [
    "Effect of {drug} on {outcome} in {population} with {condition}: a {design}",
    "{Drug} versus {drug2} for {condition} in {population}: a {design}",
    "{Outcome} after {intervention} in {population} with {condition}",
    "Association between {outcome} and {outcome2} in {population} with {condition}: a {design} from {country}",
    "Long-term {outcome} with {drug} in {condition}: {n}-year follow-up of a {design}",
    "Safety and efficacy of {drug} in {population} with {condition}",
    "Cost-effectiveness of {intervention} for {condition} in {country}",
    "Predictors of {outcome} among {population} with {condition} in {country}",
    "{Intervention} to improve {outcome} in {condition}: a {design}",
    "Trends in {outcome} among {population} with {condition} in {country}, {y1}-{y2}",
    "Impact of {intervention} on {outcome} and {outcome2} in {population}",
    "{Drug} and the risk of {outcome} in {population} with {condition}",
    "Sex differences in {outcome} after {intervention} for {condition}",
    "Role of {drug} in the management of {condition}: a {design}",
]
_FIELDS = ["Cardiology", "Diabetes", "Endocrinology", "Nephrology", "Neurology", "Oncology", "Psychiatry",
           "Rheumatology", "Gastroenterology", "Hepatology", "Pulmonology", "Infectious Diseases", "Paediatrics",
           "Geriatrics", "Surgery", "Anaesthesia", "Dermatology", "Haematology", "Obstetrics and Gynaecology",
           "Public Health", "Epidemiology", "Pharmacology", "Rehabilitation", "Nursing", "Sports Medicine"]
_JOURNAL_FORMS = ["Journal of {f}", "European Journal of {f}", "International Journal of {f}", "Annals of {f}",
                  "Clinical {f}", "{f} Research", "Current Opinion in {f}", "American Journal of {f}",
                  "Archives of {f}", "BMC {f}", "{f} and Therapy", "Frontiers in {f}", "Reviews in {f}",
                  "{f} Today", "Acta {f}", "Journal of Clinical {f}"]
_ABBREVIATIONS = {"Journal": "J", "European": "Eur", "International": "Int", "Annals": "Ann", "Clinical": "Clin",
                  "Research": "Res", "Current": "Curr", "Opinion": "Opin", "American": "Am", "Archives": "Arch",
                  "Therapy": "Ther", "Frontiers": "Front", "Reviews": "Rev", "Cardiology": "Cardiol",
                  "Endocrinology": "Endocrinol", "Nephrology": "Nephrol", "Neurology": "Neurol",
                  "Oncology": "Oncol", "Psychiatry": "Psychiatry", "Rheumatology": "Rheumatol",
                  "Gastroenterology": "Gastroenterol", "Hepatology": "Hepatol", "Pulmonology": "Pulmonol",
                  "Infectious": "Infect", "Diseases": "Dis", "Paediatrics": "Paediatr", "Geriatrics": "Geriatr",
                  "Surgery": "Surg", "Anaesthesia": "Anaesth", "Dermatology": "Dermatol", "Haematology": "Haematol",
                  "Obstetrics": "Obstet", "Gynaecology": "Gynaecol", "Public": "Public", "Health": "Health",
                  "Epidemiology": "Epidemiol", "Pharmacology": "Pharmacol", "Rehabilitation": "Rehabil",
                  "Nursing": "Nurs", "Sports": "Sports", "Medicine": "Med", "Today": "Today", "Acta": "Acta",
                  "BMC": "BMC", "Diabetes": "Diabetes"}
_ABSTRACT_WORDS = ("the of and in to a with was were for patients study results we that on by as at from this "
                   "group groups compared risk analysis data treatment years mean significantly higher lower "
                   "associated increased reduced outcomes clinical trial control baseline follow-up included "
                   "primary secondary endpoint months ratio confidence interval p adjusted model cohort "
                   "participants randomised intervention placebo dose effect effects evidence review").split()


def _surnames(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def _journals(rng: random.Random) -> list[tuple[str, str]]:
    """(full name, abbreviation) of every journal."""
    names = sorted({form.format(f=field) for form in _JOURNAL_FORMS for field in _FIELDS})
    return [(name, " ".join(_ABBREVIATIONS.get(w, w) for w in name.split() if w not in ("of", "in", "and")))
            for name in names]


def _title(rng: random.Random) -> str:
    template = rng.choice(_TITLES)
    drug = rng.choice(_DRUG_STEMS) + rng.choice(_DRUG_ENDS)
    y1 = rng.randint(1990, 2012)
    values = {
        "drug": drug, "Drug": drug.capitalize(), "drug2": rng.choice(_DRUG_STEMS) + rng.choice(_DRUG_ENDS),
        "outcome": rng.choice(_OUTCOMES), "Outcome": rng.choice(_OUTCOMES).capitalize(),
        "outcome2": rng.choice(_OUTCOMES), "population": rng.choice(_POPULATIONS),
        "condition": rng.choice(_CONDITIONS), "design": rng.choice(_DESIGNS), "country": rng.choice(_COUNTRIES),
        "intervention": rng.choice(_INTERVENTIONS), "Intervention": rng.choice(_INTERVENTIONS).capitalize(),
        "n": rng.choice([1, 2, 3, 5, 10]), "y1": y1, "y2": y1 + rng.randint(3, 12),
    }
    return template.format(**values)


def _record(rng: random.Random, serial: int, surnames: list[str], weights: list[float],
            journals: list[tuple[str, str]]) -> dict:
    """One publication as a database would hold it."""
    journal = rng.randrange(len(journals))
    year = rng.randint(1995, 2024)
    first = rng.randint(1, 2500)
    count = min(1 + int(rng.expovariate(1 / 4)), 25)
    authors = [(name, "".join(rng.choices(string.ascii_uppercase, k=rng.choice([1, 1, 2]))))
               for name in rng.choices(surnames, weights, k=count)]
    return {
        "type": "JOUR", "title": _title(rng), "authors": authors, "year": year,
        "journal": journals[journal][0], "abbreviation": journals[journal][1],
        "volume": str(year - 1990 + rng.randint(1, 40)), "issue": str(rng.randint(1, 12)),
        "first": str(first), "last": str(first + rng.randint(2, 14)),
        "doi": f"10.{1000 + journal}/j{journal}.{year}.{serial:06d}" if rng.random() < 0.92 else "",
        "pmid": str(10_000_000 + serial * 7 + rng.randint(0, 6)) if rng.random() < 0.6 else "",
        "abstract": " ".join(rng.choices(_ABSTRACT_WORDS, k=rng.randint(60, 220))).capitalize() + "."
        if rng.random() < 0.8 else "",
    }


def _related(rng: random.Random, base: dict, serial: int, journals: list[tuple[str, str]],
             supplement_dois: list[str]) -> tuple[str, dict]:
    """A different publication that looks like ``base``, and its kind: the traps a de-duplicator must
    not merge."""
    kind = rng.choice(["erratum", "reply", "conference", "protocol", "series", "short"])
    other = dict(base, doi=f"10.{1000 + serial % 400}/x.{serial:06d}", pmid="", abstract="")
    first = int(base["first"]) + rng.randint(20, 400)
    other.update(first=str(first), last=str(first + rng.randint(0, 2)), issue=str(rng.randint(1, 12)))
    title = base["title"]
    if kind == "erratum":
        other["title"] = rng.choice([f"Erratum: {title}", f"Correction to: {title}", f"Correction: {title}",
                                     f"{title} (vol {base['volume']}, pg {base['first']}, {base['year']})"])
    elif kind == "reply":
        other["title"] = rng.choice([f"{title} - Reply", f"Re: {title}", f"Comment on: {title}",
                                     f"In reply: {title}"])
    elif kind == "conference":
        name, abbreviation = rng.choice(journals)
        other.update(type=rng.choice(["CONF", "ABST", "JOUR"]), year=base["year"] - rng.randint(0, 1), journal=name, abbreviation=abbreviation,
                     first=f"S{rng.randint(1, 900)}", last="", doi=rng.choice(supplement_dois + [""]))
        other["authors"] = base["authors"][: rng.randint(1, len(base["authors"]))]
    elif kind == "protocol":
        core = title.split(":")[0]
        base["title"] = f"{core}: results of a randomised controlled trial"
        other.update(title=f"{core}: study protocol for a randomised controlled trial",
                     year=base["year"] - rng.randint(1, 3), volume=str(int(base["volume"]) - 2))
    elif kind == "series":
        other.update(year=base["year"] + rng.randint(1, 4), volume=str(int(base["volume"]) + rng.randint(1, 4)))
    else:
        other["title"] = rng.choice(["Editorial", "Introduction", "Commentary", "Foreword", "In this issue"])
        base["title"] = other["title"]
    return kind, other


def _typo(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) - 1)
    action = rng.choice(["swap", "drop", "replace", "double"])
    if action == "swap":
        return text[:at] + text[at + 1] + text[at] + text[at + 2:]
    if action == "drop":
        return text[:at] + text[at + 1:]
    if action == "double":
        return text[:at] + text[at] + text[at:]
    return text[:at] + rng.choice(string.ascii_lowercase) + text[at + 1:]


def _copy(rng: random.Random, record: dict) -> dict:
    """The same publication exported by another database: missing identifiers, typos, other case and
    punctuation, reordered or re-written authors, an abbreviated journal, short page ranges."""
    copy = dict(record)
    title = record["title"]
    if rng.random() < 0.25:
        title = rng.choice([title.upper(), title.lower(), title.title()])
    if rng.random() < 0.3:
        title = title.replace(":", rng.choice([".", " -", ";"])).replace("-", rng.choice([" ", "-", "–"]))
    if rng.random() < 0.3:
        title += "."
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        title = _typo(rng, title)
    copy["title"] = title
    authors = list(record["authors"])
    if rng.random() < 0.1 and len(authors) > 3:
        authors = authors[:3]
    if rng.random() < 0.15 and len(authors) > 1:
        rng.shuffle(authors)
    if rng.random() < 0.05 and authors:
        name, initials = authors[0]
        authors[0] = (_typo(rng, name) if len(name) > 3 else name, initials)
    copy["authors"] = authors
    copy["author_style"] = rng.choice(["comma", "plain", "given"])
    if rng.random() < 0.45:
        copy["doi"] = ""
    elif record["doi"] and rng.random() < 0.4:
        copy["doi"] = rng.choice([f"https://doi.org/{record['doi']}", f"doi:{record['doi']}", record["doi"].upper()])
    if rng.random() < 0.5:
        copy["pmid"] = ""
    if rng.random() < 0.5:
        copy["journal"] = record["abbreviation"]
    first, last = record["first"], record["last"]
    if rng.random() < 0.3 and len(first) == len(last) > 1:  # 123-131 as 123-31
        same = next((k for k in range(len(first)) if first[k] != last[k]), len(first) - 1)
        copy["last"] = last[same:]
    if rng.random() < 0.15:
        copy["volume"] = copy["issue"] = ""
    if rng.random() < 0.05 and copy["volume"]:
        copy["year"] = record["year"] + 1  # online first, then in print
    if rng.random() < 0.3:
        copy["abstract"] = ""
    return copy


def _ris(record: dict, own_id: str) -> str:
    style = record.get("author_style", "comma")
    names = [f"{surname}, {'. '.join(initials)}." if style == "comma" else
             f"{surname} {initials}" if style == "plain" else f"{'. '.join(initials)}. {surname}"
             for surname, initials in record["authors"]]
    lines = [f"TY  - {record['type']}", f"ID  - {own_id}", f"TI  - {record['title']}"]
    lines += [f"AU  - {name}" for name in names]
    lines += [f"PY  - {record['year']}", f"T2  - {record['journal']}"]
    lines += [f"{tag}  - {record[key]}" for tag, key in (("VL", "volume"), ("IS", "issue"), ("SP", "first"),
                                                           ("EP", "last"), ("DO", "doi"), ("AB", "abstract"))
              if record[key]]
    if record["pmid"]:
        lines += ["DB  - MEDLINE", f"AN  - {record['pmid']}"]
    return "\n".join(lines) + "\nER  - \n\n"


def generate(path: Path, labels: Path, lookalikes: Path, records: int, seed: int) -> tuple[int, int]:
    """Write ``records`` RIS records to ``path``, their true duplicate groups to ``labels`` and the
    look-alike publications to ``lookalikes`` (kind, the original's ids, the look-alike's ids).

    About 5% of the publications are look-alikes of another (erratum, reply, conference abstract,
    protocol, a series with the same title, a short generic title); about 15% of publications are
    exported two to four times. Returns (publications, records that are duplicates)."""
    rng = random.Random(seed)
    surnames = _surnames(rng, 4000)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(surnames))]
    journals = _journals(rng)
    supplement_dois = [f"10.{2000 + k}/suppl.{k}" for k in range(40)]
    publications: list[dict] = []
    rows: list[tuple[int, dict]] = []  # (publication, record as exported)
    related: list[tuple[str, int]] = []  # (kind, publication) of each look-alike; the original is the one before
    while len(rows) < records:
        serial = len(publications)
        base = _record(rng, serial, surnames, weights, journals)
        group = [base]
        if rng.random() < 0.05:
            kind, other = _related(rng, base, serial + 1, journals, supplement_dois)
            group.append(other)
            related.append((kind, serial + 1))
        for publication in group:
            number = len(publications)
            publications.append(publication)
            rows.append((number, publication))
            if rng.random() < 0.15:
                rows += [(number, _copy(rng, publication)) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    rows = rows[:records]
    rng.shuffle(rows)
    members: dict[int, list[str]] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for position, (number, record) in enumerate(rows, 1):
            own_id = f"syn{position:06d}"
            members.setdefault(number, []).append(own_id)
            handle.write(_ris(record, own_id))
    with labels.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["merged_ids"])
        writer.writerows([";".join(ids)] for ids in members.values() if len(ids) > 1)
    with lookalikes.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["kind", "original_ids", "lookalike_ids"])
        writer.writerows([kind, ";".join(members[number - 1]), ";".join(members[number])]
                         for kind, number in related if number - 1 in members and number in members)
    return len(members), len(rows) - len(members)
