"""Generate docs/state-diagrams.md (Mermaid ``stateDiagram-v2``) from the django-fsm definitions.

Everything comes from the models: the kinds from ``Kind`` / ``KIND_MODELS``, the states and their
order from ``State``, the initial state from the field default, the edges from
``field.get_all_transitions(cls)``. Nothing about a particular machine is written here, so the
document cannot drift from the code; ``--check`` makes CI fail when the committed file is stale.

    python manage.py state_diagrams            # (re)write docs/state-diagrams.md  (= make diagrams)
    python manage.py state_diagrams --check    # exit 1 if the file differs from what would be written
    python manage.py state_diagrams --stdout   # print instead of writing
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django_fsm import ANY_OTHER_STATE, ANY_STATE

from tickets.models import KIND_MODELS, Kind, State

STATE_FIELD = "state"
START_END = "[*]"


def output_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "state-diagrams.md"


def _first_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


def _chinese_labels(choices_cls) -> dict[str, str]:
    """The Chinese label of each choice, from the project's zh-hans catalogue."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices_cls.choices}


def _callable_name(fn) -> str:
    return getattr(fn, "__name__", None) or repr(fn)


@dataclass
class TransitionInfo:
    name: str
    sources: list[str]
    targets: list[str]  # after expanding target=None (unchanged) and GET_STATE(states=...)
    target_kind: str  # "state" | "unchanged" | "dynamic"
    chooser: str = ""  # the GET_STATE / RETURN_VALUE function's name
    permission: object = None
    conditions: list = field(default_factory=list)
    doc: str = ""


@dataclass
class Machine:
    kind: str
    model: type
    states: list[str]  # the states this kind uses, in State order
    initial: str
    transitions: list[TransitionInfo]
    edges: dict[tuple[str, str], list[str]]  # (source, target) -> transition names
    finals: list[str]
    unreachable: list[str]
    dead_ends: list[str]  # non-final states whose only transitions leave the state unchanged


def _state_index(value) -> int:
    values = list(State.values)
    return values.index(value) if value in values else len(values)


def _expand_sources(source, target) -> list[str]:
    if source == ANY_STATE:
        return list(State.values)
    if source == ANY_OTHER_STATE:
        return [s for s in State.values if s != target]
    return [str(source)]


def build_machine(kind: str, model: type) -> Machine:
    fsm_field = model._meta.get_field(STATE_FIELD)
    initial = str(fsm_field.get_default())

    by_name: dict[str, TransitionInfo] = {}
    for tr in fsm_field.get_all_transitions(model):
        target = tr.target
        if target is None:
            target_kind, chooser, fixed = "unchanged", "", None
        elif hasattr(target, "allowed_states"):  # GET_STATE / RETURN_VALUE
            if not target.allowed_states:
                raise CommandError(
                    f"{model.__name__}.{tr.name}: a computed target must declare its states "
                    f"(GET_STATE(func, states=[...])) so the diagram can show them"
                )
            target_kind = "dynamic"
            chooser = _callable_name(getattr(target, "func", None) or type(target))
            fixed = [str(s) for s in target.allowed_states]
        else:
            target_kind, chooser, fixed = "state", "", [str(target)]
        for source in _expand_sources(tr.source, target):
            info = by_name.get(tr.name)
            if info is None:
                info = by_name[tr.name] = TransitionInfo(
                    name=tr.name,
                    sources=[],
                    targets=[],
                    target_kind=target_kind,
                    chooser=chooser,
                    permission=tr.permission,
                    conditions=list(tr.conditions or []),
                    doc=_first_line(tr.method),
                )
            info.sources.append(source)
            for t in fixed if fixed is not None else [source]:
                if t not in info.targets:
                    info.targets.append(t)

    transitions = list(by_name.values())
    for info in transitions:
        info.sources.sort(key=_state_index)
        info.targets.sort(key=_state_index)
    transitions.sort(key=lambda i: (_state_index(i.sources[0]), i.name))

    edges: dict[tuple[str, str], list[str]] = {}
    for info in transitions:
        for source in info.sources:
            for target in [source] if info.target_kind == "unchanged" else info.targets:
                edges.setdefault((source, target), []).append(info.name)
    pairs = sorted(edges, key=lambda pair: (_state_index(pair[0]), _state_index(pair[1])))
    edges = {pair: sorted(set(edges[pair])) for pair in pairs}

    used = {initial} | {s for pair in edges for s in pair}
    states = sorted(used, key=_state_index)
    outgoing = {s: {t for (src, t) in edges if src == s} for s in states}
    finals = [s for s in states if not outgoing[s]]
    dead_ends = [s for s in states if outgoing[s] == {s}]

    reachable, todo = {initial}, [initial]
    while todo:
        for target in outgoing.get(todo.pop(), ()):
            if target not in reachable:
                reachable.add(target)
                todo.append(target)
    unreachable = [s for s in states if s not in reachable]

    return Machine(
        kind=kind,
        model=model,
        states=states,
        initial=initial,
        transitions=transitions,
        edges=edges,
        finals=finals,
        unreachable=unreachable,
        dead_ends=dead_ends,
    )


def machines() -> list[Machine]:
    return [build_machine(kind, KIND_MODELS[kind]) for kind in Kind.values if kind in KIND_MODELS]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _codes(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _who(permission) -> str:
    if permission is None:
        return "anyone"
    if isinstance(permission, str):
        return f"Django permission `{permission}`"
    name, doc = _callable_name(permission), _first_line(permission)
    return f"`{name}`: {doc}" if doc else f"`{name}`"


def render_mermaid(machine: Machine) -> str:
    labels, zh_labels = dict(State.choices), _chinese_labels(State)
    lines = ["stateDiagram-v2"]
    for state in machine.states:
        lines.append(f"    {state} : {zh_labels.get(state, state)} {labels.get(state, state)}")
    lines.append(f"    {START_END} --> {machine.initial}")
    for (source, target), names in machine.edges.items():
        lines.append(f"    {source} --> {target} : {', '.join(names)}")
    for state in machine.finals:
        lines.append(f"    {state} --> {START_END}")
    return "\n".join(lines)


def render_table(machine: Machine) -> str:
    rows = [
        "| Transition | From | To | Who may fire it | Conditions | Description |",
        "|---|---|---|---|---|---|",
    ]
    for info in machine.transitions:
        if info.target_kind == "unchanged":
            to = "*(unchanged)*"
        elif info.target_kind == "dynamic":
            to = f"{_codes(info.targets)} (chosen by `{info.chooser}`)"
        else:
            to = _codes(info.targets)
        conditions = _codes(_callable_name(c) for c in info.conditions)
        rows.append(
            f"| `{info.name}` | {_codes(info.sources)} | {to} | {_cell(_who(info.permission))} "
            f"| {_cell(conditions)} | {_cell(info.doc)} |"
        )
    return "\n".join(rows)


def render_kind(machine: Machine, zh_names: dict[str, str]) -> str:
    label = str(dict(Kind.choices)[machine.kind])
    zh = zh_names.get(machine.kind)
    title = f"{zh} {label}" if zh else label
    parts = [
        f"## {title} (`{machine.kind}`, `{machine.model.__name__}`)",
        "",
        f"Initial state `{machine.initial}`; final states {_codes(machine.finals) or '—'}.",
    ]
    if machine.unreachable:
        parts.append(f"**Unreachable from `{machine.initial}`:** {_codes(machine.unreachable)}.")
    if machine.dead_ends:
        parts.append(f"**Dead ends (only transitions that keep the state):** {_codes(machine.dead_ends)}.")
    parts += ["", "```mermaid", render_mermaid(machine), "```", "", render_table(machine)]
    return "\n".join(parts)


HEADER = """\
<!-- GENERATED FILE, DO NOT EDIT BY HAND: regenerate with `make diagrams` (manage.py state_diagrams). -->
# Work-order state diagrams

Generated by `make diagrams` / `python manage.py state_diagrams` from the django-fsm transitions in
`tickets/models/workorders.py`; **do not edit this file by hand**. CI runs
`python manage.py state_diagrams --check`, which fails when this file differs from the code.

Edges between the same two states are merged (labels joined by ", "); a transition that keeps the
state (`target=None`) is drawn as a loop; a computed target (`GET_STATE`) gets one edge per allowed state.
"""


def render_document() -> str:
    # Labels are lazy translations: render the English source strings whatever the active language.
    with translation.override(None):
        zh_names = _chinese_labels(Kind)
        sections = [render_kind(machine, zh_names) for machine in machines()]
    return HEADER + "\n" + "\n\n".join(sections) + "\n"


README_START = "<!-- state-diagrams:start (generated by `make diagrams`; do not edit) -->"
README_END = "<!-- state-diagrams:end -->"


def render_readme_block() -> str:
    """The diagrams alone (no tables), for the README between its markers."""
    with translation.override(None):
        zh_names = _chinese_labels(Kind)
        parts = []
        for machine in machines():
            label = str(dict(Kind.choices)[machine.kind])
            parts += [f"**{zh_names[machine.kind]} {label}**", "", "```mermaid", render_mermaid(machine), "```", ""]
    return "\n".join([README_START, "", *parts, README_END])


def readme_with_diagrams(readme: str) -> str:
    if README_START.split(" (")[0] not in readme or README_END not in readme:
        raise CommandError("README.md lacks the state-diagrams markers")
    head, rest = readme.split(README_START.split(" (")[0], 1)
    _, tail = rest.split(README_END, 1)
    return head + render_readme_block() + tail


class Command(BaseCommand):
    help = ("Generate docs/state-diagrams.md (Mermaid state diagrams and transition tables) and the diagrams "
            "in README.md from the work-order FSM definitions.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check",
            action="store_true",
            help="Exit with status 1 if docs/state-diagrams.md is not up to date.",
        )
        # Not dest="stdout": execute() takes options["stdout"] as the output stream. The "--print" alias
        # matters too: call_command() maps a keyword to the option whose *shortest* flag matches it, so
        # a lone "--stdout" flag would swallow call_command(..., stdout=stream).
        group.add_argument(
            "--stdout",
            "--print",
            dest="to_stdout",
            action="store_true",
            help="Print the document instead of writing it.",
        )

    def handle(self, *args, check=False, to_stdout=False, **options):
        text = render_document()
        path = output_path()
        if to_stdout:
            self.stdout.write(text, ending="")
            return
        readme_path = settings.BASE_DIR / "README.md"
        readme = readme_path.read_text(encoding="utf-8")
        if check and readme != readme_with_diagrams(readme):
            raise CommandError("README.md's state diagrams are out of date: run `make diagrams` and commit.",
                               returncode=1)
        if not check and readme != readme_with_diagrams(readme):
            readme_path.write_text(readme_with_diagrams(readme), encoding="utf-8", newline="\n")
            self.stdout.write("Updated the diagrams in README.md.")
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                state = "is missing" if current is None else "is out of date"
                raise CommandError(
                    f"{path.relative_to(settings.BASE_DIR)} {state}: run `make diagrams` "
                    "(python manage.py state_diagrams) and commit the result.",
                    returncode=1,
                )
            self.stdout.write(f"{path.relative_to(settings.BASE_DIR)} is up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            self.stdout.write(f"{path.relative_to(settings.BASE_DIR)} unchanged.")
            return
        path.write_text(text, encoding="utf-8", newline="\n")
        self.stdout.write(f"Wrote {path.relative_to(settings.BASE_DIR)}.")
