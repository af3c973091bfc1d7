"""One vocabulary: a msgid has one Chinese translation in every catalogue, and the glossary (the entries
of fupin/core's catalogue marked "glossary") gives each English word one Chinese term."""

import ast
import gettext
from collections import defaultdict
from pathlib import Path

import fupin

APPS = Path(fupin.__file__).parent
CATALOGUES = sorted(APPS.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
GLOSSARY = APPS / "core/locale/zh_Hans/LC_MESSAGES/django.po"


def read_po(path: Path) -> list[dict]:
    """The translated entries of a .po file: {ctxt, id, str, glossary}; obsolete (#~) entries left out."""
    entries, entry, field = [], {}, None

    def close():
        if entry.get("id") and entry.get("str"):
            entries.append(dict(entry))
        entry.clear()

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            close()
            field = None
        elif line.startswith("#. glossary"):
            entry["glossary"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] = entry.get(field, "") + ast.literal_eval(line)
        else:
            keyword, _sep, value = line.partition(" ")
            field = {
                "msgctxt": "ctxt",
                "msgid": "id",
                "msgid_plural": "plural",
                "msgstr": "str",
                "msgstr[0]": "str",
            }.get(keyword, keyword)
            entry[field] = ast.literal_eval(value)
    return entries


def _by_msgid() -> dict[tuple, dict[str, str]]:
    found: dict[tuple, dict[str, str]] = defaultdict(dict)
    for path in CATALOGUES:
        for e in read_po(path):
            found[(e.get("ctxt"), e["id"])][path.parts[-5]] = e["str"]
    return found


def test_every_app_has_a_catalogue_and_the_glossary_has_terms():
    assert len(CATALOGUES) >= 10 and GLOSSARY in CATALOGUES
    assert sum(1 for e in read_po(GLOSSARY) if e.get("glossary")) > 50


def test_no_msgid_is_translated_differently_in_two_catalogues():
    differing = {
        f"{ctxt}|{msgid}" if ctxt else msgid: apps
        for (ctxt, msgid), apps in _by_msgid().items()
        if len(set(apps.values())) > 1
    }
    assert differing == {}


def test_a_glossary_word_has_one_chinese_term():
    """'Deadline' and 'deadline', 'Note' and 'note': one English word, one term, in every catalogue."""
    words = {e["id"].strip().lower() for e in read_po(GLOSSARY) if e.get("glossary") and not e.get("ctxt")}
    terms: dict[str, dict[str, str]] = defaultdict(dict)
    for (ctxt, msgid), apps in _by_msgid().items():
        if not ctxt and msgid.strip().lower() in words:
            for app, zh in apps.items():
                terms[msgid.strip().lower()][f"{app}:{msgid}"] = zh
    assert {w: t for w, t in terms.items() if len(set(t.values())) > 1} == {}


def test_compiled_catalogues_match_their_sources():
    """CI uses the committed .mo files: each must hold exactly its .po's translations."""
    for path in CATALOGUES:
        with open(path.with_suffix(".mo"), "rb") as f:
            compiled = gettext.GNUTranslations(f)
        for e in read_po(path):
            msgid = f"{e['ctxt']}\x04{e['id']}" if e.get("ctxt") else e["id"]
            got = (
                compiled.ngettext(e["id"], e["plural"], 1)
                if e.get("plural") and not e.get("ctxt")
                else (
                    compiled.npgettext(e["ctxt"], e["id"], e["plural"], 1)
                    if e.get("plural")
                    else compiled.pgettext(e["ctxt"], e["id"])
                    if e.get("ctxt")
                    else compiled.gettext(msgid)
                )
            )
            assert got == e["str"], (path.parts[-5], e["id"])
