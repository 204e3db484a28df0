"""Validates HL7 v2 messages with hl7apy in strict mode.

Reads a JSON list of {"name", "text"} on stdin and writes one JSON object per line:
{"name", "ok", "error", "structure"}.

Two checks, both must pass:

1. `parse_message(text, validation_level=STRICT, find_groups=True)`: hl7apy's strict reader
   (segment ids, field and component data types, for the structure named in MSH-9.3).
2. hl7apy's `Validator` (cardinality of every group, segment, field and component, required
   fields, data types) on the message arranged into the structure's groups *in order*.

Why not `Validator` on the tree from (1): hl7apy's `find_groups` puts a segment into the first
group that can hold it, wherever it stands (a TQ1 after RXE in RDE_O11 lands in TIMING, before
RXE, not in the required TIMING_ENCODED), and its `Validator` treats a choice group as if every
alternative were required (ORM_O01 ORDER_DETAIL asks for OBR *and* RQD *and* RQ1 ...). Neither
is the standard's rule. So segments are assigned to groups here by walking the structure in
order, and a choice group must hold exactly one alternative; every other rule is hl7apy's own.
"""
import json
import sys
import tempfile

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.core import Group, Message
from hl7apy.parser import get_message_info, parse_message, parse_segment
from hl7apy.validation import Validator

STRICT = VALIDATION_LEVEL.STRICT


def match(ref, names, i):
    """Matches the children of group/message reference `ref` against segment names from `i`.

    Returns (tree, next index), where tree is a list of ("SEG", name, seg_ref, index) and
    ("GRP", name, grp_ref, subtree) in message order. Greedy and in order, which is enough for the
    structures and messages checked here (no segment repeats ambiguously).
    """
    kind, children = ref[0], ref[1]
    tree = []
    if kind == "choice":
        for child in children:
            sub, j = match_child(child, names, i, 1)
            if j > i:
                return sub, j
        return [], i
    for child in children:
        sub, i = match_child(child, names, i, child[2][1])
        tree.extend(sub)
    return tree, i


def match_child(child, names, i, max_reps):
    name, child_ref, _, kind = child
    tree = []
    reps = 0
    while i < len(names) and (max_reps == -1 or reps < max_reps):
        if kind == "SEG":
            if names[i] != name:
                break
            tree.append(("SEG", name, child_ref, i))
            i += 1
        else:
            sub, j = match(child_ref, names, i)
            if j == i:
                break
            tree.append(("GRP", name, child_ref, sub))
            i = j
        reps += 1
    return tree, i


def build(tree, lines, version, encoding_chars):
    """The hl7apy elements for `tree`, as `parse_message` makes them."""
    out = []
    for node in tree:
        if node[0] == "SEG":
            _, _, seg_ref, index = node
            out.append(parse_segment(lines[index], version, encoding_chars, STRICT, seg_ref))
        else:
            _, name, grp_ref, sub = node
            group = Group(name, version=version, reference=grp_ref, validation_level=STRICT)
            for child in build(sub, lines, version, encoding_chars):
                group.add(child)
            out.append(group)
    return out


def choice_groups(ref, out):
    for child in ref[1]:
        if child[3] == "GRP":
            if child[1][0] == "choice":
                out.add(child[0])
            choice_groups(child[1], out)
    return out


def validation_errors(msg, choices):
    """Every error of hl7apy's Validator, less its choice-group false alarms."""
    errors = []
    # Validator raises only the first error; its report lists them all.
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
        try:
            Validator.validate(msg, report_file=report.name)
        except Exception:
            pass
        report.seek(0)
        for line in report.read().splitlines():
            if not line.startswith("Error: "):
                continue
            text = line[len("Error: "):]
            parts = text.rsplit(" ", 1)[-1].split(".")
            if text.startswith("Missing required child") and len(parts) == 2 and parts[0] in choices:
                continue
            errors.append(text)
    return errors


def check_choices(element, choices, errors):
    for child in getattr(element, "children", []):
        if child.classname == "Group":
            if child.name in choices and len(child.children) != 1:
                errors.append(f"choice group {child.name} holds {len(child.children)} alternatives")
            check_choices(child, choices, errors)


def check(text):
    # 1. hl7apy's own strict reading.
    parse_message(text, validation_level=STRICT, find_groups=True)
    # 2. Structure and cardinality, with groups assigned in order.
    encoding_chars, structure, version = get_message_info(text)
    msg = Message(structure, version=version, validation_level=STRICT, encoding_chars=encoding_chars)
    lines = [s for s in text.split("\r") if s]
    names = [s[:3] for s in lines]
    tree, used = match(msg.reference, names, 0)
    if used != len(names):
        raise ValueError(f"segment {names[used]} (#{used + 1}) does not fit the {structure} structure")
    msg.children = build(tree, lines, version, encoding_chars)
    choices = choice_groups(msg.reference, set())
    errors = validation_errors(msg, choices)
    check_choices(msg, choices, errors)
    if errors:
        raise ValueError("; ".join(errors))
    return structure


for item in json.load(sys.stdin):
    try:
        structure = check(item["text"])
        out = {"name": item["name"], "ok": True, "error": None, "structure": structure}
    except Exception as e:  # every hl7apy failure is a finding to report, not a crash
        out = {"name": item["name"], "ok": False, "error": f"{type(e).__name__}: {e}", "structure": None}
    print(json.dumps(out))
