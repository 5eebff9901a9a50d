"""A subset of Jira's query language (JQL), evaluated on the issues of the synced board.

A key result bound to "the open bugs labelled `fraud`" is counted from the store, with no call
to Jira, so its value moves with every sync and has a history. The subset covers what such
filters use:

- fields: `project`, `issuetype` (`type`), `status`, `statusCategory`, `labels`, `epic`
  (`"Epic Link"`, `parent`), `assignee`, `priority`, `key` (`issuekey`), `sprint`,
  `resolution` (empty or not only), and the dates `created`, `updated`, `resolved`
  (`resolutiondate`);
- operators: `=`, `!=`, `IN (…)`, `NOT IN (…)`, `IS [NOT] EMPTY` (or `NULL`), and `>`, `>=`,
  `<`, `<=` on dates; `AND`, `OR`, `NOT` and parentheses (NOT binds tighter than AND, AND
  tighter than OR); keywords and field names in any case; values bare or quoted ("…", '…');
- sprints: `sprint in openSprints()` (active), `closedSprints()`, `futureSprints()`, a sprint's
  id or name;
- dates: `2026-10-01`, `2026/10/01`, `"2026-10-01 14:30"` (UTC), relative `-14d`, `-2w`,
  `-4h`, `-30m`, and `now()`, `startOfDay()`, `startOfWeek()`, `startOfMonth()`,
  `startOfYear()`;
- `ORDER BY …` is accepted and ignored: it does not change which issues match.

Anything else (text search `~`, history operators `WAS`/`CHANGED`, custom fields, functions
such as `currentUser()`) raises `JqlError` naming the clause, so a broken binding says why.

Two rules, as Jira has them: `!=` and `NOT IN` never match an issue whose field is empty
(`assignee != maya` leaves out unassigned issues), and values compare without regard to case.
`NOT` is the exact complement of what it negates (`NOT assignee = maya` includes unassigned
issues), so AND, OR and NOT obey the laws of logic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

import msgspec

from cockpit.formatting import quoted
from cockpit.models import Issue, Sprint, StatusCategory

__all__ = [
    "And",
    "Clause",
    "JqlError",
    "Not",
    "Or",
    "Value",
    "compile_jql",
    "matching_issues",
    "parse_jql",
    "to_jql",
]


class JqlError(ValueError):
    """A query outside the subset, or one that does not read: the message names the clause."""


# --- The syntax tree ------------------------------------------------------------------


class Value(msgspec.Struct, frozen=True, gc=False):
    text: str
    function: bool = False  # `openSprints()`: text is the function's name


class Clause(msgspec.Struct, frozen=True, gc=False):
    field: str  # as written (without quotes)
    op: str  # "=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"
    values: tuple[Value, ...] = ()  # empty for IS [NOT] EMPTY


class Not(msgspec.Struct, frozen=True, gc=False):
    term: Node


class And(msgspec.Struct, frozen=True, gc=False):
    terms: tuple[Node, ...]


class Or(msgspec.Struct, frozen=True, gc=False):
    terms: tuple[Node, ...]


Node = Clause | Not | And | Or


# --- Reading the text -----------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=!<>~]+)
      | (?P<bad>\S)
    )""",
    re.VERBOSE | re.DOTALL,
)
_UNSUPPORTED_OPS = {"~": "text search (~)", "!~": "text search (!~)"}
_HISTORY_WORDS = ("was", "changed")


class _Token(msgspec.Struct, frozen=True, gc=False):
    kind: str  # "string", "op", "punct", "word", "end"
    text: str  # a string's text unquoted
    at: int  # offset in the query, for messages


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1], flags=re.DOTALL)


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:  # only whitespace is left
            break
        position = match.end()
        kind = match.lastgroup or "bad"
        raw = match.group(kind)
        at = match.start(kind)
        if kind == "bad":
            if raw in "\"'":
                raise JqlError(f"JQL: the quote at character {at + 1} is never closed")
            raise JqlError(f"JQL: unexpected {quoted(raw)} at character {at + 1}")
        found.append(_Token(kind, _unquote(raw) if kind == "string" else raw, at))
    found.append(_Token("end", "", len(text)))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def keyword(self, word: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "word" and token.text.lower() == word

    def punct(self, char: str) -> bool:
        token = self.peek()
        return token.kind == "punct" and token.text == char

    def fail(self, expected: str) -> JqlError:
        token = self.peek()
        got = "the end of the query" if token.kind == "end" else repr(token.text)
        return JqlError(f"JQL: expected {expected} at character {token.at + 1}, got {got}")

    def query(self) -> Node | None:
        node = None
        if not (self.peek().kind == "end" or self._order_by()):
            node = self.or_expr()
        if self._order_by():
            self.order_by()  # read, then ignored: the order does not change which issues match
        if self.peek().kind != "end":
            raise self.fail("AND, OR or the end of the query")
        return node

    def _order_by(self) -> bool:
        return self.keyword("order") and self.keyword("by", 1)

    def order_by(self) -> None:
        """ORDER BY field [ASC|DESC], …"""
        self.take()
        self.take()
        while True:
            if self.peek().kind not in ("word", "string"):
                raise self.fail("a field name after ORDER BY")
            self.take()
            if self.keyword("asc") or self.keyword("desc"):
                self.take()
            if not self.punct(","):
                break
            self.take()
        if self.peek().kind != "end":
            raise self.fail("',' or the end of the query after ORDER BY")

    def or_expr(self) -> Node:
        terms = [self.and_expr()]
        while self.keyword("or"):
            self.take()
            terms.append(self.and_expr())
        return terms[0] if len(terms) == 1 else Or(tuple(terms))

    def and_expr(self) -> Node:
        terms = [self.not_expr()]
        while self.keyword("and"):
            self.take()
            terms.append(self.not_expr())
        return terms[0] if len(terms) == 1 else And(tuple(terms))

    def not_expr(self) -> Node:
        if self.keyword("not"):
            self.take()
            return Not(self.not_expr())
        if self.punct("("):
            self.take()
            node = self.or_expr()
            if not self.punct(")"):
                raise self.fail("')'")
            self.take()
            return node
        return self.clause()

    def clause(self) -> Clause:
        token = self.peek()
        if token.kind not in ("word", "string") or (
            token.kind == "word" and token.text.lower() in ("and", "or", "in", "is", "order")
        ):
            raise self.fail("a field name")
        self.take()
        field = token.text
        op = self.operator(field)
        if op in ("is", "is not"):
            if not (self.keyword("empty") or self.keyword("null")):
                raise self.fail(f"EMPTY after `{field} {op.upper()}`")
            self.take()
            return Clause(field, op, ())
        if op in ("in", "not in"):
            return Clause(field, op, self.value_list(field, op))
        if self.keyword("empty") or self.keyword("null"):
            self.take()
            if op not in ("=", "!="):
                raise JqlError(f"JQL: `{field} {op} EMPTY`: compare with EMPTY using IS or IS NOT")
            return Clause(field, "is" if op == "=" else "is not", ())
        return Clause(field, op, (self.value(f"`{field} {op}`"),))

    def operator(self, field: str) -> str:
        token = self.peek()
        if token.kind == "op":
            self.take()
            if token.text in _UNSUPPORTED_OPS:
                raise JqlError(
                    f"`{field} {token.text}` is not supported offline: "
                    f"{_UNSUPPORTED_OPS[token.text]} needs Jira; use label or epic"
                )
            return token.text
        word = token.text.lower() if token.kind == "word" else ""
        if word in _HISTORY_WORDS:
            raise JqlError(
                f"`{field} {token.text.upper()}` is not supported offline: the history"
                " operators WAS and CHANGED need Jira; use label or epic"
            )
        if word == "in":
            self.take()
            return "in"
        if word == "not" and self.keyword("in", 1):
            self.take()
            self.take()
            return "not in"
        if word == "is":
            self.take()
            if self.keyword("not"):
                self.take()
                return "is not"
            return "is"
        raise self.fail(f"an operator after `{field}` (=, !=, IN, NOT IN, IS, >, <…)")

    def value_list(self, field: str, op: str) -> tuple[Value, ...]:
        if not self.punct("("):
            # `sprint in openSprints()`: a function stands for a list.
            value = self.value(f"`{field} {op.upper()}`")
            if value.function:
                return (value,)
            raise self.fail(f"'(' after `{field} {op.upper()}`")
        self.take()
        values = [self.value(f"`{field} {op.upper()} (`")]
        while self.punct(","):
            self.take()
            values.append(self.value(f"',' in `{field} {op.upper()} (…)`"))
        if not self.punct(")"):
            raise self.fail(f"',' or ')' in `{field} {op.upper()} (…)`")
        self.take()
        return tuple(values)

    def value(self, after: str) -> Value:
        token = self.peek()
        if token.kind == "string":
            self.take()
            return Value(token.text)
        if token.kind != "word" or token.text.lower() in ("and", "or"):
            raise self.fail(f"a value after {after}")
        self.take()
        if self.punct("("):
            self.take()
            if not self.punct(")"):
                raise JqlError(
                    f"`{token.text}(…)` is not supported offline: only functions without"
                    " arguments are (openSprints(), startOfMonth()…)"
                )
            self.take()
            return Value(token.text, function=True)
        return Value(token.text)


def parse_jql(text: str) -> Node | None:
    """The syntax tree of `text`; None for an empty query (every issue). Raises JqlError."""
    return _Parser(text).query()


def _quote(text: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.@-]+", text) and text.lower() not in _RESERVED:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_RESERVED = frozenset(
    {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "was", "changed"}
)


def to_jql(node: Node | None) -> str:
    """The query text of a tree: `parse_jql(to_jql(tree)) == tree`."""
    if node is None:
        return ""
    if isinstance(node, Clause):
        field = _quote(node.field)
        if node.op in ("is", "is not"):
            return f"{field} {node.op.upper()} EMPTY"
        values = [f"{v.text}()" if v.function else _quote(v.text) for v in node.values]
        if node.op in ("in", "not in"):
            if len(node.values) == 1 and node.values[0].function:
                return f"{field} {node.op.upper()} {values[0]}"
            return f"{field} {node.op.upper()} ({', '.join(values)})"
        return f"{field} {node.op} {values[0]}"
    if isinstance(node, Not):
        return f"NOT {_grouped(node.term)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(_grouped(term) for term in node.terms)


def _grouped(node: Node) -> str:
    return to_jql(node) if isinstance(node, Clause) else f"({to_jql(node)})"


# --- Evaluating it --------------------------------------------------------------------

Predicate = Callable[[Issue], bool]

_TEXT_FIELDS: dict[str, Callable[[Issue], str]] = {
    "project": lambda issue: _project(issue.key),
    "issuetype": lambda issue: issue.issue_type,
    "type": lambda issue: issue.issue_type,
    "status": lambda issue: issue.status,
    "assignee": lambda issue: issue.assignee or "",
    "priority": lambda issue: issue.priority,
    "key": lambda issue: issue.key,
    "issuekey": lambda issue: issue.key,
    "epic": lambda issue: issue.epic,
    "epic link": lambda issue: issue.epic,
    "parent": lambda issue: issue.epic,
    "statuscategory": lambda issue: issue.category.value,
}
_DATE_FIELDS: dict[str, Callable[[Issue], datetime | None]] = {
    "created": lambda issue: issue.created,
    "createddate": lambda issue: issue.created,
    "updated": lambda issue: issue.updated,
    "updateddate": lambda issue: issue.updated,
    "resolved": lambda issue: issue.resolved,
    "resolutiondate": lambda issue: issue.resolved,
}
_CATEGORY_NAMES: dict[str, StatusCategory] = {
    "to do": StatusCategory.TODO,
    "todo": StatusCategory.TODO,
    "new": StatusCategory.TODO,
    "2": StatusCategory.TODO,
    "in progress": StatusCategory.IN_PROGRESS,
    "in_progress": StatusCategory.IN_PROGRESS,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "4": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
    "complete": StatusCategory.DONE,
    "3": StatusCategory.DONE,
}
SUPPORTED_FIELDS = (
    'project, issuetype, status, statusCategory, labels, epic ("Epic Link", parent),'
    " assignee, priority, key, sprint, resolution, created, updated, resolved"
)
_SPRINT_FUNCTIONS = {"opensprints": "active", "closedsprints": "closed", "futuresprints": "future"}
_RELATIVE = re.compile(r"([+-]?)(\d+)([wdhm])")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_UNITS["m"] = timedelta(minutes=1)
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def _project(key: str) -> str:
    prefix, sep, _number = key.rpartition("-")
    return prefix if sep else ""


def compile_jql(text: str, *, now: datetime, sprints: Sequence[Sprint] = ()) -> Predicate:
    """A test of one issue against `text`. `now` anchors relative dates (`-14d`); `sprints`
    (the board's) say which sprint ids are open, closed or future. Raises JqlError for a
    query outside the subset, before any issue is looked at."""
    node = parse_jql(text)
    if node is None:
        return lambda issue: True
    return _compile(node, now, {s.id: s for s in sprints})


def matching_issues(
    text: str, issues: Iterable[Issue], *, now: datetime, sprints: Sequence[Sprint] = ()
) -> list[Issue]:
    test = compile_jql(text, now=now, sprints=sprints)
    return [issue for issue in issues if test(issue)]


def _compile(node: Node, now: datetime, sprints: Mapping[int, Sprint]) -> Predicate:
    if isinstance(node, Not):
        inner = _compile(node.term, now, sprints)
        return lambda issue: not inner(issue)
    if isinstance(node, And):
        parts = [_compile(term, now, sprints) for term in node.terms]
        return lambda issue: all(part(issue) for part in parts)
    if isinstance(node, Or):
        parts = [_compile(term, now, sprints) for term in node.terms]
        return lambda issue: any(part(issue) for part in parts)
    return _clause(node, now, sprints)


def _written(clause: Clause) -> str:
    return to_jql(clause)


def _clause(clause: Clause, now: datetime, sprints: Mapping[int, Sprint]) -> Predicate:
    field = clause.field.lower().strip()
    for value in clause.values:
        if value.function and not _known_function(field, value.text):
            raise JqlError(
                f"`{value.text}()` is not supported offline (in `{_written(clause)}`);"
                " use label or epic"
            )
    if field == "labels":
        return _set_test(clause, lambda issue: issue.labels)
    if field == "sprint":
        return _sprint_test(clause, sprints)
    if field in _DATE_FIELDS:
        return _date_test(clause, _DATE_FIELDS[field], now)
    if field == "resolution":
        return _resolution_test(clause)
    if field in _TEXT_FIELDS:
        if field == "statuscategory":
            return _set_test(clause, lambda issue: (issue.category.value,), _category_value)
        get = _TEXT_FIELDS[field]
        return _set_test(clause, lambda issue: (get(issue),) if get(issue) else ())
    raise JqlError(
        f"`{clause.field}` is not supported offline (in `{_written(clause)}`): use label or"
        f" epic, or one of {SUPPORTED_FIELDS}"
    )


def _known_function(field: str, name: str) -> bool:
    lowered = name.lower()
    if field == "sprint":
        return lowered in _SPRINT_FUNCTIONS
    return field in _DATE_FIELDS and lowered in _DATE_FUNCTIONS


def _category_value(clause: Clause, text: str) -> str:
    found = _CATEGORY_NAMES.get(text.strip().lower())
    if found is None:
        raise JqlError(
            f"`{_written(clause)}`: {quoted(text)} is not a status category; expected"
            ' "To Do", "In Progress" or "Done"'
        )
    return found.value


def _set_test(
    clause: Clause,
    values_of: Callable[[Issue], tuple[str, ...]],
    wanted_value: Callable[[Clause, str], str] | None = None,
) -> Predicate:
    """`=`, `!=`, IN, NOT IN and IS [NOT] EMPTY on a field holding zero or more texts."""
    op = clause.op
    if op == "is":
        return lambda issue: not values_of(issue)
    if op == "is not":
        return lambda issue: bool(values_of(issue))
    if op not in ("=", "!=", "in", "not in"):
        raise JqlError(f"`{_written(clause)}`: {clause.field} is compared with =, !=, IN or NOT IN")
    wanted = frozenset(
        (wanted_value(clause, v.text) if wanted_value else v.text).casefold() for v in clause.values
    )

    def has_any(issue: Issue) -> bool:
        return any(value.casefold() in wanted for value in values_of(issue))

    if op in ("=", "in"):
        return has_any
    # Jira's rule: != and NOT IN never match an empty field.
    return lambda issue: bool(values_of(issue)) and not has_any(issue)


def _sprint_test(clause: Clause, sprints: Mapping[int, Sprint]) -> Predicate:
    op = clause.op

    def ids_of(issue: Issue) -> frozenset[int]:
        found = set(issue.sprint_ids)
        if issue.sprint_id is not None:
            found.add(issue.sprint_id)
        return frozenset(found)

    if op == "is":
        return lambda issue: not ids_of(issue)
    if op == "is not":
        return lambda issue: bool(ids_of(issue))
    if op not in ("=", "!=", "in", "not in"):
        raise JqlError(f"`{_written(clause)}`: sprint is compared with =, !=, IN or NOT IN")
    wanted: set[int] = set()
    for value in clause.values:
        if value.function:
            state = _SPRINT_FUNCTIONS[value.text.lower()]
            wanted.update(s.id for s in sprints.values() if s.state == state)
        elif value.text.strip().isdigit():
            wanted.add(int(value.text))
        else:
            named = [s.id for s in sprints.values() if s.name.casefold() == value.text.casefold()]
            wanted.update(named)  # a sprint the board does not know matches nothing

    if op in ("=", "in"):
        return lambda issue: bool(ids_of(issue) & wanted)
    return lambda issue: bool(ids_of(issue)) and not ids_of(issue) & wanted


def _resolution_test(clause: Clause) -> Predicate:
    """Resolution names are not synced: only whether an issue is resolved is known."""
    unresolved = clause.op == "is" or (
        clause.op in ("=", "in") and all(v.text.casefold() == "unresolved" for v in clause.values)
    )
    resolved = clause.op == "is not" or (
        clause.op in ("!=", "not in")
        and all(v.text.casefold() == "unresolved" for v in clause.values)
    )
    if unresolved:
        return lambda issue: issue.resolved is None
    if resolved:
        return lambda issue: issue.resolved is not None
    raise JqlError(
        f"`{_written(clause)}` is not supported offline: resolution names are not synced;"
        " use `resolution = Unresolved`, `resolution IS NOT EMPTY` or `statusCategory = Done`"
    )


_DATE_FUNCTIONS = ("now", "startofday", "startofweek", "startofmonth", "startofyear")


def _moment(clause: Clause, value: Value, now: datetime) -> datetime:
    text = value.text.strip()
    lowered = text.lower()
    if value.function:
        day = now.astimezone(UTC).date()
        if lowered == "now":
            return now
        if lowered == "startofday":
            start = day
        elif lowered == "startofweek":
            # Jira's week starts on Sunday by default; teams mostly read it as "this week".
            start = day - timedelta(days=(day.weekday() + 1) % 7)
        elif lowered == "startofmonth":
            start = day.replace(day=1)
        else:
            start = date(day.year, 1, 1)
        return datetime(start.year, start.month, start.day, tzinfo=UTC)
    relative = _RELATIVE.fullmatch(lowered)
    if relative is not None:
        sign = -1 if relative.group(1) == "-" else 1
        return now + sign * int(relative.group(2)) * _UNITS[relative.group(3)]
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JqlError(
        f"`{_written(clause)}`: {quoted(text)} is not a date; expected 2026-10-01,"
        ' "2026-10-01 14:30", a relative time such as -14d, or startOfMonth()'
    )


def _date_test(clause: Clause, get: Callable[[Issue], datetime | None], now: datetime) -> Predicate:
    op = clause.op
    if op == "is":
        return lambda issue: get(issue) is None
    if op == "is not":
        return lambda issue: get(issue) is not None
    moments = [_moment(clause, v, now) for v in clause.values]
    if op in ("in", "not in"):
        wanted = frozenset(moments)
        if op == "in":
            return lambda issue: get(issue) in wanted
        return lambda issue: get(issue) is not None and get(issue) not in wanted
    (when,) = moments
    compare: dict[str, Callable[[datetime], bool]] = {
        "=": lambda at: at == when,
        "!=": lambda at: at != when,
        ">": lambda at: at > when,
        ">=": lambda at: at >= when,
        "<": lambda at: at < when,
        "<=": lambda at: at <= when,
    }
    test = compare[op]

    def check(issue: Issue) -> bool:
        at = get(issue)
        return at is not None and test(at)

    return check
