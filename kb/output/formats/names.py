"""Splitting an author name into the parts citation managers want.

Semantic Scholar gives names as one string in "Given Family" order ("Paul F. Christiano",
"Hado van Hasselt", "OpenAI"). CSL-JSON and RIS want family and given apart; a name that is
one word is kept whole (an organisation, or a mononym) rather than guessed at.
"""

from __future__ import annotations

_PARTICLES = frozenset({"van", "von", "de", "der", "den", "du", "la", "le", "da", "di", "del",
                        "della", "dos", "das", "ten", "ter", "bin", "al", "el", "zu", "op"})
_SUFFIXES = {"jr": "Jr.", "jr.": "Jr.", "sr": "Sr.", "sr.": "Sr.", "ii": "II", "iii": "III",
             "iv": "IV"}


def split_name(name: str) -> dict[str, str]:
    """CSL name parts: ``family``/``given`` (plus ``non-dropping-particle`` and ``suffix``
    when present), or ``literal`` for a one-word name."""
    name = " ".join((name or "").split())
    if not name:
        return {}
    if "," in name:
        family, _, given = name.partition(",")
        family, given = family.strip(), given.strip()
        if family and given:
            return {"family": family, "given": given}
        return {"literal": name}
    parts = name.split(" ")
    suffix = None
    if len(parts) > 2 and parts[-1].lower() in _SUFFIXES:
        suffix = _SUFFIXES[parts.pop().lower()]
    if len(parts) == 1:
        return {"literal": parts[0]}
    family = parts[-1]
    i = len(parts) - 1
    particles = []
    while i > 1 and parts[i - 1].lower() in _PARTICLES:
        i -= 1
        particles.insert(0, parts[i])
    out = {"family": family, "given": " ".join(parts[:i])}
    if particles:
        out["non-dropping-particle"] = " ".join(particles)
    if suffix:
        out["suffix"] = suffix
    return out


def family_first(name: str) -> str:
    """"Family, Given" (with particle and suffix), as RIS and bibliographies print it."""
    parts = split_name(name)
    if "literal" in parts:
        return parts["literal"]
    if not parts:
        return ""
    family = parts["family"]
    if parts.get("non-dropping-particle"):
        family = f"{parts['non-dropping-particle']} {family}"
    out = f"{family}, {parts['given']}"
    if parts.get("suffix"):
        out += f", {parts['suffix']}"
    return out
