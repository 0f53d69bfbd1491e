"""De-duplication: pairwise precision, recall and F1 against labels, wall time and peak memory.

For every labelled data set in ``../shared/data/dedup/*/`` (records.csv.gz and duplicate_groups.csv, see
its README), and for a synthetic RIS file of 100,000 records with a known duplicate rate that this
script generates (seeded) under ``benchmarks/out/``. Each file is imported and de-duplicated in a fresh
Python process, so its time splits into import and de-duplication and its peak memory (maximum RSS,
interpreter and libraries included) is its own.

    .venv/bin/python benchmarks/dedup.py [--data ../shared/data/dedup] [--records 100000] [--seed 8]
                                         [--errors 5]

``--errors N`` prints up to N false-positive and N false-negative pairs per data set, to read.

The floor is what reading the synthetic file costs at the least: ``rispy.load`` of it, alone, in a fresh process
just before ours. The synthetic file's de-duplication and its import + de-duplication are printed as multiples
of that floor, measured in the same run, as the machine may be shared.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import string
import subprocess
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


# ---------------------------------------------------------------- measuring one file (child process)

def measure(path: Path, labels: Path, errors: int) -> dict:
    """Import and de-duplicate ``path``; score against ``labels``. Run in its own process."""
    from reviewkit.records.dedup.groups import find_duplicates
    from reviewkit.records.readers import read_file

    began = time.perf_counter()
    imported = read_file(path)
    imported_at = time.perf_counter()
    groups = find_duplicates(imported.citations)
    done = time.perf_counter()
    peak_mib = peak_memory_mib()
    citations = imported.citations
    found = {pair for group in groups for pair in combinations(sorted(citations[i].id for i in group), 2)}
    truth = label_pairs(labels)
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    by_id = {c.id: c for c in citations}
    group_of = {citations[i].id: number for number, group in enumerate(groups) for i in group}

    def show(pairs: set[tuple[str, str]]) -> list[list[str]]:
        return [[f"{a}: {_brief(by_id[a])}", f"{b}: {_brief(by_id[b])}"] for a, b in sorted(pairs)[:errors]]

    return {
        "records": len(citations), "skipped": imported.skipped_count, "groups": len(groups),
        "pairs": len(found), "true_pairs": len(truth), "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "import_s": imported_at - began, "dedup_s": done - imported_at, "peak_mib": peak_mib,
        "false_positives": show(found - truth), "false_negatives": show(truth - found),
        "lookalikes": lookalikes_merged(path.with_suffix(".lookalikes.csv"), group_of),
    }


def lookalikes_merged(path: Path, group_of: dict[str, int]) -> dict[str, list[int]]:
    """For each kind of look-alike the generator made: [pairs merged by mistake, pairs] over every record
    of the original and every record of the look-alike. Empty when ``path`` does not exist."""
    merged: Counter = Counter()
    pairs: Counter = Counter()
    if path.exists():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for a in row["original_ids"].split(";"):
                    for b in row["lookalike_ids"].split(";"):
                        pairs[row["kind"]] += 1
                        merged[row["kind"]] += a in group_of and group_of.get(a) == group_of.get(b)
    return {kind: [merged[kind], pairs[kind]] for kind in sorted(pairs)}


def peak_memory_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ``ru_maxrss`` would
    carry over the parent's peak from before the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _brief(c) -> str:
    authors = "; ".join(c.authors[:3]) + (" et al." if len(c.authors) > 3 else "")
    return f"{c.title[:90]} | {authors[:50]} | {c.year} | {c.journal[:40]} {c.volume}:{c.pages} | {c.doi}"


def label_pairs(path: Path) -> set[tuple[str, str]]:
    """Every pair of ids in the same labelled group (the benchmark's ``merged_ids`` column)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {pair for row in csv.DictReader(handle)
                for pair in combinations(sorted(row["merged_ids"].split(";")), 2)}


def measure_in_child(path: Path, labels: Path, errors: int) -> dict:
    """:func:`measure` in a fresh interpreter, so time and peak memory are this file's alone."""
    command = [sys.executable, __file__, "--measure", str(path), str(labels), "--errors", str(errors)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"measuring {path} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def floor_in_child(path: Path) -> float:
    """Seconds ``rispy.load`` takes to parse ``path`` (default tags), in a fresh interpreter."""
    code = ("import pathlib, sys, time, rispy; began = time.perf_counter(); "
            "rispy.load(pathlib.Path(sys.argv[1]), encoding='utf-8'); print(time.perf_counter() - began)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout)


# ---------------------------------------------------------------- the synthetic file

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


# ---------------------------------------------------------------- the report

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "dedup")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--errors", type=int, default=0, help="false positives and negatives to print per data set")
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("FILE", "LABELS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure, args.errors)))
        return
    files = [(folder.name, folder / "records.csv.gz", folder / "duplicate_groups.csv")
             for folder in sorted(args.data.iterdir()) if (folder / "records.csv.gz").exists()]
    synthetic = OUT / f"synthetic_{args.records}_seed{args.seed}.ris"
    synthetic_labels = synthetic.with_suffix(".groups.csv")
    began = time.perf_counter()
    publications, copies = generate(synthetic, synthetic_labels, synthetic.with_suffix(".lookalikes.csv"),
                                    args.records, args.seed)
    print(f"generated {synthetic.relative_to(ROOT)}: {args.records:,} records of {publications:,} publications "
          f"({copies:,} duplicates, {copies / args.records:.1%}), {synthetic.stat().st_size / 2**20:.0f} MiB, "
          f"in {time.perf_counter() - began:.1f} s\n")
    files.append((f"synthetic {args.records // 1000}k RIS", synthetic, synthetic_labels))
    header = (f"{'data set':<22}{'records':>9}{'groups':>8}{'pairs':>8}{'true':>8}{'precision':>10}{'recall':>8}"
              f"{'F1':>8}{'import s':>10}{'dedup s':>9}{'peak MiB':>10}")
    print(header)
    print("-" * len(header))
    results = []
    floor = 0.0
    for name, path, labels in files:
        if path == synthetic:
            floor = floor_in_child(path)
        r = measure_in_child(path, labels, args.errors)
        results.append((name, r))
        print(f"{name:<22}{r['records']:>9,}{r['groups']:>8,}{r['pairs']:>8,}{r['true_pairs']:>8,}"
              f"{r['precision']:>10.4f}{r['recall']:>8.4f}{r['f1']:>8.4f}{r['import_s']:>10.2f}{r['dedup_s']:>9.2f}"
              f"{r['peak_mib']:>10.0f}", flush=True)
    r = results[-1][1]
    print(f"\nfloor: rispy.load of the synthetic file {floor:.2f} s; de-duplication {r['dedup_s'] / floor:.2f}x the floor, "
          f"import + de-duplication {(r['import_s'] + r['dedup_s']) / floor:.2f}x")
    for name, r in results:
        if r["lookalikes"]:
            print(f"\n{name}: look-alike pairs (original vs look-alike, every record of each) merged by mistake: "
                  + ", ".join(f"{kind} {m}/{n}" for kind, (m, n) in r["lookalikes"].items()))
    for name, r in results:
        for kind in ("false_positives", "false_negatives"):
            for left, right in r[kind]:
                print(f"\n{name} {kind.replace('_', ' ')[:-1]}:\n  {left}\n  {right}")


if __name__ == "__main__":
    main()
