"""Entity resolution across papers: which per-paper entities are one real-world thing, and its lasting id.

Each per-paper entity (its signature: type, name, surface forms) reads as one identity key, and the node id
is the type plus that key, so an id never depends on counts or on which paper came first:

1. The key of a name folds case, hyphens, spacing, plurals and joined prefixes ("Pre-training" and
   "pretraining"); "Transformer", "Transformers" and "transformer" are one key.
2. An acronym defined in the paper ("Mixture-of-Transformers (MoT)") keys on its expansion, so the spelled-out
   form and the defined acronym are one node, and "MoT" defined as "Mixture of Tokens" elsewhere is another.
3. A bare acronym (no definition in its paper) joins an expansion only when the lexicon establishes it for
   that type and spelling; otherwise it keeps its own key. Linking it to whichever expansion other papers
   define most would make its node depend on counts: adding papers could merge two nodes of an earlier
   build, and one of the two ids would vanish. Expansions the corpus establishes belong in the lexicon
   (scripts/mine_lexicon.py), where they are fixed for every build.
4. A lexicon entry is one thing, keyed on its name ("clip"): every form the lexicon lists for it (its
   expansion, spellings) keys on the entry.
5. Versions and variants ("Gemini 2.5", "Gemini 1.5 Pro", "ResNet-50") keep their own keys; `variant_links`
   links them to the nearest base entity that exists ("Gemini", "ResNet") for a VARIANT_OF edge.

Display names are the most used name (made unique per type); they may change as papers are added, ids do not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from kg.records import Entity, PaperExtraction

__all__ = [
    "Signature",
    "signature",
    "surface_key",
    "identity_key",
    "entity_id",
    "is_acronym_of",
    "ResolvedEntity",
    "Resolution",
    "resolve",
    "resolve_signatures",
    "variant_base",
    "variant_links",
    "RULES",
]

Signature = tuple[str, str, tuple[str, ...]]

#: Why a surface form is on an entity (the merge log's rules).
RULES = {
    "name": "the entity's own name",
    "normalized": "same key after folding case, hyphens, spacing and plurals",
    "defined": "acronym and expansion defined together in the paper",
    "lexicon": "the lexicon lists it as this entity",
    "alias": "named alongside the entity in the same paper",
}

_SEP = re.compile(r"[\s\-_\u2010-\u2015/]+")
_DROP = re.compile(r"[^\w@%.+ ]")
_VARIANT_TOKEN = re.compile(
    r"(?:v?\d+(?:\.\d+)*[kmbt]?|\d+x\d+|[a-z]?\d+[a-z]?|[a-z]|large|base|small|tiny|mini|medium|huge|giant|xl|xxl|"
    r"plus|pro|lite|instruct|chat|turbo|max|flash|ultra|nano)"
)
_GLUED_VERSION = re.compile(r"^(.*[a-z])(\d+(?:\.\d+)*[kmbt]?)$")
_LETTER_DIGIT_GAP = re.compile(r"(?<=[a-z]) (?=\d)")
_PREFIX_GAP = re.compile(r"\b(pre|post|non|multi|semi|re|co|sub|inter|intra|meta|hyper|super|fine|mid) "
                         r"(?=[a-z])")
_DIGITS = re.compile(r"\d")


def surface_key(text: str) -> str:
    """Fold a surface form to the key two mentions of one thing share (case, hyphens, spaces, plural).

    >>> surface_key("Transformers") == surface_key("transformer") == surface_key("Transformer")
    True
    >>> surface_key("Mixture-of-Transformers") == surface_key("mixture of transformers")
    True
    >>> surface_key("GPT-2") == surface_key("GPT2"), surface_key("ResNet-50")
    (True, 'resnet50')
    """
    text = unicodedata.normalize("NFKC", text)
    # A capital final S of a mixed-case acronym is one of its letters ("ViTAS", "FLOPS"), not a plural.
    capital_s = text.rstrip().endswith("S") and any(c.isupper() for c in text.rstrip()[:-1]) and \
        any(c.islower() for c in text)
    text = _SEP.sub(" ", text.casefold())
    text = _DROP.sub("", text)
    text = _LETTER_DIGIT_GAP.sub("", " ".join(text.split()))
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss") and not capital_s:
        text = text[:-1]
    return text


def identity_key(text: str) -> str:
    """`surface_key`, with prefixes written apart joined to their word ("pre training" -> "pretraining").

    >>> identity_key("Contrastive Language-Image Pre-training") == identity_key("contrastive language image pretraining")
    True
    """
    return _PREFIX_GAP.sub(r"\1", surface_key(text))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def entity_id(entity_type: str, key: str) -> str:
    """The node id of the entity of `entity_type` with identity `key`: readable, and a function of the key alone.

    Keys of plain words, digits and version dots read as they are ("dataset:cifar100", "method:llama3.1",
    "method:mixture-of-transformer"); any other key (punctuation, non-ASCII, over 80 characters) gets a
    digest, after ``--``, which no plain key's id contains.

    >>> entity_id("Method", "mixture of transformer"), entity_id("Metric", "top1 acc.")[:22]
    ('method:mixture-of-transformer', 'metric:top1-acc--18613')
    """
    prefix = entity_type.lower()
    if re.fullmatch(r"[a-z0-9]+(?:[ .][a-z0-9]+)*", key) and len(key) <= 80:
        return f"{prefix}:{key.replace(' ', '-')}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    slug = _slug(key)[:60].strip("-")
    return f"{prefix}:{slug}--{digest}" if slug else f"{prefix}:--{digest}"


def _looks_like_acronym(text: str) -> bool:
    if " " in text or len(text) > 12 or len(text) < 2:
        return False
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters)


def is_acronym_of(short: str, long: str) -> bool:
    """True when `short` is acronym-shaped and its letters occur in order in `long`, starting a word.

    A light Schwartz-Hearst check: the first letter must start `long`, the rest appear left to right.

    >>> is_acronym_of("MoT", "Mixture-of-Transformers"), is_acronym_of("VAE", "variational autoencoder")
    (True, True)
    >>> is_acronym_of("GAN", "Transformer")
    False
    """
    if not _looks_like_acronym(short) or len(long) <= len(short):
        return False
    letters = [c.lower() for c in short if c.isalnum()]
    text = long.lower()
    if not letters or not text or text[0] != letters[0]:
        return False
    return _in_order(letters[1:], text)


def _compact(text: str) -> str:
    return identity_key(text).replace(" ", "")


def _extends(long: str, short: str) -> bool:
    """`long` is `short` with more after it ("gpt-oss-120b" of "GPT-oss", "Grad-CAM++" of "Grad-CAM")."""
    return _compact(long).startswith(_compact(short)) or long.startswith(short)


def _is_definition(short: str, long: str) -> bool:
    """`short` is an acronym of `long`, a phrase of several words that is not itself acronym-shaped nor `short`
    extended."""
    return " " in surface_key(long) and not _looks_like_acronym(long.replace(" ", "")) and \
        is_acronym_of(short, long) and not _extends(long, short)


def variant_base(key: str) -> str | None:
    """The key of the thing `key` is a variant of ("resnet 50" -> "resnet", "llama2 7b" -> "llama2"), or None."""
    parts = key.split(" ")
    if len(parts) > 1 and _VARIANT_TOKEN.fullmatch(parts[-1]):
        return " ".join(parts[:-1])
    glued = _GLUED_VERSION.match(parts[-1])
    if glued and (len(glued.group(1)) >= 3 or len(parts) > 1):
        return " ".join((*parts[:-1], glued.group(1)))
    return None


def _stem(key: str) -> str:
    """`key` without its trailing version and size tokens, singular ("gemini 1.5 pro" -> "gemini",
    "epic kitchens 100" -> "epic kitchen")."""
    while (base := variant_base(key)) is not None:
        key = base
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key


def _other_version(key: str, form: str) -> bool:
    """True when `form` names another version or variant of the thing `key` names (or its base)."""
    return form != key and _stem(form) == _stem(key) and (variant_base(key) is not None or
                                                          variant_base(form) is not None)


def signature(entity: Entity) -> Signature:
    """What resolution looks at in one paper's entity: its type, name and set of surface forms."""
    return (entity.type, entity.name, tuple(sorted(set(entity.mentions))))


@dataclass(frozen=True)
class ResolvedEntity:
    """One graph entity: its node id, type, canonical name, every alias seen, and its identity key."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    key: str = ""


@dataclass
class Resolution:
    """The outcome of resolution: entities by id, each per-paper entity signature -> entity id, and per
    signature the rule that put it there and its surface forms by rule (for the merge log)."""

    entities: dict[str, ResolvedEntity]
    assignment: dict[Signature, str]
    forms: dict[Signature, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def entity_id(self, entity: Entity) -> str:
        """The node id a paper's entity resolved to."""
        return self.assignment[signature(entity)]


@dataclass(frozen=True)
class _Reading:
    """How one signature reads on its own: its identity key, and the acronym it defines or is."""

    key: str
    rule: str  # "name", "defined" or "lexicon"
    acronym: str | None = None  # the acronym surface defined in the paper ("defined")
    bare: bool = False  # the name is an acronym used without its expansion


@dataclass(frozen=True)
class _Lexicon:
    """The lexicon as keys: each form's identity key -> the entry's key, and acronym surfaces -> entry key."""

    keys: dict[tuple[str, str], str]
    acronyms: dict[tuple[str, str], str]
    folded: dict[tuple[str, str], str]  # acronym forms by key, for names written in other case ("Glue")


@cache
def _lexicon() -> _Lexicon:
    from kg.extract.resources import load_lexicon

    keys: dict[tuple[str, str], str | None] = {}
    acronyms: dict[tuple[str, str], str | None] = {}
    folded: dict[tuple[str, str], str | None] = {}
    for entry in load_lexicon():
        if entry.type is None:
            continue
        forms = entry.forms
        key = identity_key(entry.name)
        for form in forms:
            form_key = identity_key(form)
            if not form_key or _other_version(identity_key(entry.name), form_key):
                continue
            if _looks_like_acronym(form):
                letters = (entry.type, form if entry.case_sensitive else form.casefold())
                acronyms[letters] = key if acronyms.get(letters, key) == key else None
                folded[(entry.type, form_key)] = key if folded.get((entry.type, form_key), key) == key else None
                continue
            slot = (entry.type, form_key)
            keys[slot] = key if keys.get(slot, key) == key else None
    return _Lexicon(*({k: v for k, v in table.items() if v} for table in (keys, acronyms, folded)))


def _lexicon_acronym(lexicon: _Lexicon, etype: str, surface: str) -> str | None:
    for form in dict.fromkeys((surface, surface[:-1] if surface.endswith("s") else surface + "s")):
        found = lexicon.acronyms.get((etype, form)) or lexicon.acronyms.get((etype, form.casefold()))
        if found and _looks_like_acronym(form):
            return found
    return None


def _read(sig: Signature, lexicon: _Lexicon) -> _Reading:
    """The identity a signature carries by itself (before bare acronyms are linked across papers)."""
    etype, name, mentions = sig
    surfaces = list(dict.fromkeys((name, *mentions)))
    definitions = sorted((identity_key(long), short) for short in surfaces for long in surfaces
                         if short != long and _is_definition(short, long))
    if definitions:
        own = identity_key(name)
        key, short = next(((k, s) for k, s in definitions if k == own), definitions[0])
        reading = _Reading(key, "defined", short)
    else:
        reading = _Reading(identity_key(name), "name", bare=_looks_like_acronym(name))
    canonical = lexicon.keys.get((etype, reading.key))
    if canonical is None and not reading.bare:
        canonical = lexicon.folded.get((etype, reading.key))
    if canonical and canonical != reading.key:
        return _Reading(canonical, "lexicon", reading.acronym, False)
    if reading.bare:
        linked = _lexicon_acronym(lexicon, etype, name)
        if linked and linked != reading.key:
            return _Reading(linked, "lexicon", None, False)
    return reading


def _in_order(letters: list[str], text: str) -> bool:
    """Whether `letters` occur left to right in `text` after its first character."""
    pos = 1
    for ch in letters:
        pos = text.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def _abbreviates(short: str, long: str) -> bool:
    """`short` is a shortening of `long` (any case): same first letter, its letters and digits in order in
    `long` ("HyMamba" of "hyperspectral tracking network with Mamba"; not "SAM-I2V" of "Segment Anything")."""
    letters = [c for c in short.casefold() if c.isalnum()]
    text = long.casefold()
    if not letters or len(short) >= len(long) or not text or text[0] != letters[0] or _extends(long, short):
        return False
    return _in_order(letters[1:], text)


def _surface_rules(sig: Signature, key: str, rule: str, acronym: str | None) -> tuple[tuple[str, str], ...]:
    """(surface, rule) for every form of `sig` that names the entity `key`. Other versions are left out, and
    so is a form the paper's extraction grouped with the name that neither folds to the key, nor is listed by
    the lexicon, nor shortens the name or is shortened by it (a grouping the extractor got wrong, such as a
    variant "SAM-I2V" beside "Segment Anything Model")."""
    etype, name, mentions = sig
    out: dict[str, str] = {}
    lexicon = _lexicon()
    for surface in dict.fromkeys((name, *mentions)):
        form = identity_key(surface)
        if not form or (_other_version(key, form) and surface != acronym):
            continue
        if form == key:
            out[surface] = "normalized"
        elif surface == acronym or (rule == "defined" and _is_definition(surface, name)):
            out[surface] = "defined"
        elif surface == name and rule == "lexicon":
            out[surface] = rule
        elif lexicon.keys.get((etype, form)) == key:
            out[surface] = "lexicon"
        elif surface != name and (_abbreviates(surface, name) or _abbreviates(name, surface)):
            out[surface] = "alias"
        elif surface == name:
            out[surface] = "alias"
    return tuple(out.items())


def _canonical_name(entity_type: str, names: Counter[str]) -> str:
    """The most used name; ties go to a singular form, then to the usual casing of the type, then the longest."""
    def rank(name: str) -> tuple[object, ...]:
        plural = name.endswith("s") and name[:-1] in names
        lower_first = name[:1].islower()
        casing = lower_first if entity_type in ("Method", "Dataset") else not lower_first
        return (-names[name], plural, casing, -len(name), name)

    return min(names, key=rank)


def resolve(extractions: Iterable[PaperExtraction]) -> Resolution:
    """Resolve the entities of every paper into graph entities (see the module docstring for the rules)."""
    return resolve_signatures(Counter(signature(e) for x in extractions for e in x.entities))


def resolve_signatures(counts: Mapping[Signature, int]) -> Resolution:
    """Resolve distinct entity signatures (with how often each occurs) into graph entities.

    Working on distinct signatures rather than on every occurrence keeps memory bounded by the vocabulary
    of the corpus, not by its size. Each signature's node depends on that signature (and the lexicon)
    alone, so adding papers never merges, splits or renames the nodes of the papers already there.
    """
    lexicon = _lexicon()
    items = sorted(counts)
    readings = [_read(sig, lexicon) for sig in items]
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, (sig, reading) in enumerate(zip(items, readings)):
        members[(sig[0], reading.key)].append(index)

    entities: dict[str, ResolvedEntity] = {}
    assignment: dict[Signature, str] = {}
    forms: dict[Signature, tuple[tuple[str, str], ...]] = {}
    for (etype, key), indices in sorted(members.items()):
        node_id = entity_id(etype, key)
        names: Counter[str] = Counter()
        aliases: set[str] = set()
        for i in indices:
            names[items[i][1]] += counts[items[i]]
            forms[items[i]] = _surface_rules(items[i], key, readings[i].rule, readings[i].acronym)
            aliases.update(surface for surface, _ in forms[items[i]])
            assignment[items[i]] = node_id
        entities[node_id] = ResolvedEntity(node_id, etype, _canonical_name(etype, names), tuple(sorted(aliases)), key)
    _unique_names(entities, forms, members, items)
    return Resolution(entities, assignment, forms)


def _unique_names(entities: dict[str, ResolvedEntity], forms: Mapping[Signature, tuple[tuple[str, str], ...]],
                  members: Mapping[tuple[str, str], list[int]], items: list[Signature]) -> None:
    """Give entities of one type whose display names fold alike distinct names: the one whose key is its
    name's keeps it; the others are shown as "expansion (name)" or, failing that, "name [key]"."""
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node_id, entity in entities.items():
        by_name[(entity.type, surface_key(entity.name))].append(node_id)
    taken = set(by_name)
    for (etype, _), node_ids in sorted(by_name.items()):
        if len(node_ids) < 2:
            continue
        keep = next((n for n in node_ids if identity_key(entities[n].name) == entities[n].key), None)
        for node_id in sorted(node_ids):
            if node_id == keep:
                continue
            entity = entities[node_id]
            longs: Counter[str] = Counter()
            for i in members[(etype, entity.key)]:
                longs.update(s for s, _ in forms[items[i]] if identity_key(s) == entity.key and s != entity.name)
            longest = min(longs, key=lambda s: (-longs[s], s)) if longs else entity.key
            name = f"{longest} ({entity.name})"
            if (etype, surface_key(name)) in taken:
                name = f"{entity.name} [{entity.key}]"
            taken.add((etype, surface_key(name)))
            entities[node_id] = ResolvedEntity(node_id, etype, name, entity.aliases, entity.key)


def variant_links(entities: Iterable[ResolvedEntity]) -> list[tuple[str, str]]:
    """(variant id, base id) pairs: an entity whose key is a base entity's key plus a version or size."""
    by_key: dict[tuple[str, str], str] = {}
    ordered = sorted(entities, key=lambda e: e.id)
    for entity in ordered:
        by_key.setdefault((entity.type, entity.key or identity_key(entity.name)), entity.id)
    links = []
    for entity in ordered:
        key = entity.key or identity_key(entity.name)
        base = variant_base(key)
        while base:
            target = by_key.get((entity.type, base))
            if target and target != entity.id:
                links.append((entity.id, target))
                break
            base = variant_base(base)
    return links
