"""Entity resolution across papers: which per-paper entities are one real-world thing.

Rules, in order (deterministic: the same extractions give the same ids):

1. Surface forms fold case, hyphens, spacing and plurals ("Transformer", "Transformers", "transformer").
2. An acronym is resolved through its expansion: "MoT" defined as "Mixture-of-Transformers" in one paper
   and as "Mixture of Tokens" in another stays two entities. An acronym seen without an expansion joins the
   entity it stands for only when exactly one expansion of it is known; otherwise it stays on its own.
3. Variants ("ResNet-50", "Llama2-7B") are not merged with their base; `variant_links` links them to the
   nearest base entity that exists ("ResNet") for a VARIANT_OF edge.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.records import Entity, PaperExtraction

__all__ = [
    "Signature",
    "signature",
    "surface_key",
    "is_acronym_of",
    "ResolvedEntity",
    "Resolution",
    "resolve",
    "resolve_signatures",
    "variant_base",
    "variant_links",
]

Signature = tuple[str, str, tuple[str, ...]]

_SEP = re.compile(r"[\s\-_\u2010-\u2015/]+")
_DROP = re.compile(r"[^\w@%.+ ]")
_VARIANT_TOKEN = re.compile(
    r"(?:v?\d+(?:\.\d+)*[kmbt]?|\d+x\d+|[a-z]?\d+[a-z]?|large|base|small|tiny|mini|medium|huge|giant|xl|xxl|"
    r"plus|pro|lite|instruct|chat|turbo|max)"
)
_GLUED_VERSION = re.compile(r"^(.*[a-z])(\d+(?:\.\d+)?)$")
_LETTER_DIGIT_GAP = re.compile(r"(?<=[a-z]) (?=\d)")


def surface_key(text: str) -> str:
    """Fold a surface form to the key two mentions of one thing share (case, hyphens, spaces, plural).

    >>> surface_key("Transformers") == surface_key("transformer") == surface_key("Transformer")
    True
    >>> surface_key("Mixture-of-Transformers") == surface_key("mixture of transformers")
    True
    >>> surface_key("GPT-2") == surface_key("GPT2"), surface_key("ResNet-50")
    (True, 'resnet50')
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SEP.sub(" ", text)
    text = _DROP.sub("", text)
    text = _LETTER_DIGIT_GAP.sub("", " ".join(text.split()))
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        text = text[:-1]
    return text


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
    pos = 1
    for ch in letters[1:]:
        pos = text.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def variant_base(key: str) -> str | None:
    """The key of the thing `key` is a variant of ("resnet 50" -> "resnet", "llama2 7b" -> "llama2"), or None."""
    parts = key.split(" ")
    if len(parts) > 1 and _VARIANT_TOKEN.fullmatch(parts[-1]):
        return " ".join(parts[:-1])
    glued = _GLUED_VERSION.match(key)
    if glued and len(glued.group(1)) >= 3 and " " not in key:
        return glued.group(1)
    return None


def signature(entity: Entity) -> Signature:
    """What resolution looks at in one paper's entity: its type, name and set of surface forms."""
    return (entity.type, entity.name, tuple(sorted(set(entity.mentions))))


@dataclass(frozen=True)
class ResolvedEntity:
    """One graph entity: its node id, type, canonical name and every alias seen."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]


@dataclass
class Resolution:
    """The outcome of resolution: entities by id, and each per-paper entity signature -> entity id."""

    entities: dict[str, ResolvedEntity]
    assignment: dict[Signature, str]

    def entity_id(self, entity: Entity) -> str:
        """The node id a paper's entity resolved to."""
        return self.assignment[signature(entity)]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, item: object) -> object:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic root: the smaller by repr, so ids never depend on input order.
            if repr(rb) < repr(ra):
                ra, rb = rb, ra
            self.parent[rb] = ra


def _split_forms(sig: Signature) -> tuple[set[str], set[str]]:
    """(long-form keys, acronym keys) of an entity; variants of its own name are not counted as aliases."""
    _, entity_name, mentions = sig
    surfaces = list(dict.fromkeys((entity_name, *mentions)))
    name_key = surface_key(entity_name)
    longs: set[str] = set()
    acronyms: set[str] = set()
    for surface in surfaces:
        key = surface_key(surface)
        if not key:
            continue
        if any(is_acronym_of(surface, other) for other in surfaces if other != surface):
            acronyms.add(key)
        elif surface != entity_name and variant_base(key) == name_key:
            continue
        else:
            longs.add(key)
    if longs and all(_looks_like_acronym(s) for s in surfaces):
        acronyms |= longs
        longs = set()
    return longs, acronyms


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9@%.+]+", "-", ascii_text).strip("-.")
    return slug[:80]


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
    of the corpus, not by its size.
    """
    items = sorted(counts)
    forms = [_split_forms(sig) for sig in items]
    uf = _UnionFind()
    for (etype, _, _), (longs, _) in zip(items, forms):
        if longs:
            first = ("long", etype, min(longs))
            for key in longs:
                uf.union(first, ("long", etype, key))
    expansions: dict[tuple[str, str], set[object]] = defaultdict(set)
    for (etype, _, _), (longs, acronyms) in zip(items, forms):
        if longs:
            root = uf.find(("long", etype, min(longs)))
            for acronym in acronyms:
                expansions[(etype, acronym)].add(root)
    members: dict[object, list[int]] = defaultdict(list)
    for index, ((etype, name, _), (longs, acronyms)) in enumerate(zip(items, forms)):
        if longs:
            root = uf.find(("long", etype, min(longs)))
        else:
            key = min(acronyms) if acronyms else surface_key(name)
            roots = {uf.find(r) for r in expansions.get((etype, key), ())}
            root = next(iter(roots)) if len(roots) == 1 else ("acronym", etype, key)
        members[root].append(index)

    entities: dict[str, ResolvedEntity] = {}
    assignment: dict[Signature, str] = {}
    for root in sorted(members, key=repr):
        indices = members[root]
        etype = items[indices[0]][0]
        names: Counter[str] = Counter()
        for i in indices:
            names[items[i][1]] += counts[items[i]]
        name = _canonical_name(etype, names)
        aliases = sorted({s for i in indices for s in (items[i][1], *items[i][2])})
        digest = hashlib.sha256(repr(root).encode()).hexdigest()
        node_id = f"{etype.lower()}:{_slug(surface_key(name)) or digest[:12]}"
        if node_id in entities:
            node_id += "-" + digest[:6]
        entities[node_id] = ResolvedEntity(node_id, etype, name, tuple(aliases))
        for i in indices:
            assignment[items[i]] = node_id
    return Resolution(entities, assignment)


def variant_links(entities: Iterable[ResolvedEntity]) -> list[tuple[str, str]]:
    """(variant id, base id) pairs: an entity whose name is a base entity's name plus a version or size."""
    by_key: dict[tuple[str, str], str] = {}
    ordered = sorted(entities, key=lambda e: e.id)
    for entity in ordered:
        by_key.setdefault((entity.type, surface_key(entity.name)), entity.id)
    links = []
    for entity in ordered:
        key = surface_key(entity.name)
        base = variant_base(key)
        while base:
            target = by_key.get((entity.type, base))
            if target and target != entity.id:
                links.append((entity.id, target))
                break
            base = variant_base(base)
    return links
