"""Privacy masking: the dashboard as it may be shown on a shared screen or sent to others.

One pure function, `mask_dashboard`, over the read model, so that `status --masked`, the
masked exports and (later) the present mode and screenshots hide the same things the same way:

- money becomes a share of its budget: every amount in the cost summary is divided by the
  relevant budget (the month's all-spend budget in that currency; a budget's own amount for
  the budget) or, without one, by the month's total, times 100, and the currency becomes "%".
  The formatters then write `108 %` where they wrote `$68,152`. Key results and KPIs counted
  in a currency are written as a share of their target (a KPI: of its band's top);
- people's names become initials ("Priya Raman" → "P.R."), and so do the ids shown for
  them: a person's id, Jira account, handle and e-mail all become the same initials, kept
  unique ("P.R.", "P.R.2") so that the team screen can still tell two people apart;
- the titles of issues carrying a configured label become their keys.

Free text (an alert's sentence, a key result's title) is searched for money amounts and full
names too, so that a sentence written by the analytics never lets one through.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from cockpit.analytics.cost_views import (
    Anomaly,
    BudgetView,
    CostAlert,
    CostSummary,
    CurrencyView,
    ExperimentCost,
    ForecastRange,
    SpendLine,
)
from cockpit.analytics.experiments import ExperimentsSummary, PersonVelocity, RunRow
from cockpit.analytics.okr_views import KpiView, KrView, OkrSummary
from cockpit.analytics.sprint import SprintSummary
from cockpit.analytics.team_views import TeamSummary
from cockpit.dashboard import Dashboard
from cockpit.formatting import CURRENCY_SYMBOLS, quantity, rounded
from cockpit.models import CheckIn, KrPoint, Person, TeamData

MASK_MARKER = "Masked: money as % of budget, names as initials"
PERCENT = "%"

replace = msgspec.structs.replace

_SYMBOLS = "".join(re.escape(s) for s in CURRENCY_SYMBOLS.values())
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_CURRENCY_UNIT = re.compile(r"[A-Z]{3}")  # as the formatters tell money from other units


class MaskRules(msgspec.Struct, frozen=True, kw_only=True):
    """What the `[sharing]` section asks to hide beyond money and names."""

    labels: frozenset[str] = frozenset()  # issues with any of these labels show their key
    tags: frozenset[str] = frozenset()  # runs with any of these tags show their run id


# --- names ------------------------------------------------------------------------------


def initials(name: str) -> str:
    """ "Priya Raman" → "P.R.", "Cher" → "C.", "محمد علي" → "م.ع.": the first letter or digit
    of each word, capitalised where the script has capitals. A name with no letter at all
    (punctuation, emoji) reads "?" rather than showing itself."""
    letters = []
    for word in name.split():
        first = next((ch for ch in word if ch.isalnum()), "")
        if first:
            upper = first.upper()
            letters.append(upper if len(upper) == 1 else first)
    return "".join(f"{ch}." for ch in letters) or "?"


def _user_initials(user: str) -> str:
    """A tracker's user name or e-mail as initials: "priya.raman@corp.com" → "P.R."."""
    local = user.split("@", 1)[0]
    return initials(re.sub(r"[._\-+]+", " ", local))


class _People:
    """Every way a person is named or identified, mapped to their (unique) initials."""

    def __init__(self, people: Iterable[Person], more_names: Iterable[str] = ()) -> None:
        self.by_key: dict[str, str] = {}
        taken: dict[str, int] = {}
        self.names: dict[str, str] = {}
        for person in people:
            short = initials(person.name)
            taken[short] = taken.get(short, 0) + 1
            unique = short if taken[short] == 1 else f"{short}{taken[short]}"
            self.names[person.name] = short
            for key in (person.id, person.account_id, person.handle, person.email, person.name):
                if key:
                    self.by_key.setdefault(key, unique)
        for name in more_names:
            if name and name not in self.names:
                self.names[name] = initials(name)
        # Longest first, so that "Priya Raman-Iyer" is not half replaced by "Priya Raman".
        spelled = sorted((n for n in self.names if len(n) > 1 and " " in n), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in spelled)) if spelled else None

    def who(self, key: str) -> str:
        """A person's id or name as shown: their initials ("" and "unassigned" stay)."""
        if not key or key.casefold() == "unassigned":
            return key
        if key in self.by_key:
            return self.by_key[key]
        if key in self.names:
            return self.names[key]
        return _user_initials(key) if "@" in key or " " not in key else initials(key)

    def in_text(self, text: str) -> str:
        """Every full name inside a sentence replaced by its initials."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self.names[m[0]], text)


# --- money ------------------------------------------------------------------------------


def percent_of(value: float, base: float | None) -> float:
    """`value` as a percentage of `base`; 0 when there is nothing to divide by (no budget and
    no spend), so that no amount is ever shown as it is. To a tenth of a point: a shared
    screen needs "151.3%", not "151.263%"."""
    if not base:
        return 0.0
    return round(value / abs(base) * 100, 1)


def _money_pattern(codes: Iterable[str]) -> re.Pattern[str]:
    """Money as the formatters and sentences write it: `$68,152`, `-$1.2k`, `$506/day`,
    `1,200 EUR`, `41.2k CHF`."""
    return _compiled_money_pattern(frozenset(codes))


# The mask walks every string of a dashboard (80,000 at 5,000 issues) with the same few
# currencies: compiling the pattern for each was over half the mask's time.
@functools.lru_cache(maxsize=64)
def _compiled_money_pattern(codes: frozenset[str]) -> re.Pattern[str]:
    every = {*codes, *CURRENCY_SYMBOLS}
    coded = "|".join(sorted({re.escape(c) for c in every if _CURRENCY_UNIT.fullmatch(c)}))
    parts = [rf"(?P<sign>-?)[{_SYMBOLS}](?P<num>{_NUMBER})(?P<suffix>[kM]?)"]
    if coded:
        parts.append(rf"(?P<sign2>-?)(?P<num2>{_NUMBER})(?P<suffix2>[kM]?) (?:{coded})\b")
    return re.compile("|".join(parts))


_SCALE = {"": 1.0, "k": 1000.0, "M": 1_000_000.0}


def money_in_text(text: str, base: float | None, codes: Iterable[str] = ()) -> str:
    """Every money amount in `text` as a percentage of `base` ("$68,152 of $63,000" →
    "108% of 100%"); without a base, "[amount]"."""
    pattern = _money_pattern(codes)

    def share(match: re.Match[str]) -> str:
        if not base:
            return "[amount]"
        groups = match.groupdict()
        number = groups["num"] or groups["num2"]
        suffix = groups["suffix"] if groups["num"] else groups["suffix2"]
        sign = -1 if (groups["sign"] or groups["sign2"]) else 1
        value = sign * float(number.replace(",", "")) * _SCALE[suffix or ""]
        return f"{quantity(rounded(percent_of(value, base), 3))}%"

    return pattern.sub(share, text)


def _is_money(unit: str) -> bool:
    return bool(_CURRENCY_UNIT.fullmatch(unit.strip()))


def _scale_forecast(forecast: ForecastRange, f: Callable[[float], float]) -> ForecastRange:
    return replace(
        forecast,
        expected=f(forecast.expected),
        low=f(forecast.low),
        high=f(forecast.high),
        actual_to_date=f(forecast.actual_to_date),
        days=tuple((day, f(a), f(b), f(c)) for day, a, b, c in forecast.days),
        provider_expected=None
        if forecast.provider_expected is None
        else f(forecast.provider_expected),
    )


def _currency_bases(cost: CostSummary) -> dict[str, float]:
    """Each currency's base: its monthly budget on all spend, else its month's total."""
    bases = {view.currency: view.month_to_date for view in cost.views}
    for budget in reversed(cost.budgets):  # the first listed wins
        if budget.period == "month" and budget.scope == "all" and budget.amount:
            bases[budget.currency] = budget.amount
    return bases


def mask_cost(cost: CostSummary) -> CostSummary:
    """Every amount of the cost summary as a percentage of its budget (see the module)."""
    bases = _currency_bases(cost)
    codes = set(bases) | set(CURRENCY_SYMBOLS)

    def scaler(base: float | None) -> Callable[[float], float]:
        return lambda value: percent_of(value, base)

    def line(item: SpendLine, f: Callable[[float], float]) -> SpendLine:
        return replace(
            item,
            currency=PERCENT,
            period_to_date=f(item.period_to_date),
            this_week=f(item.this_week),
            last_week=f(item.last_week),
        )

    def anomaly(item: Anomaly, base: float | None) -> Anomaly:
        f = scaler(base)
        return replace(
            item,
            currency=PERCENT,
            amount=f(item.amount),
            expected=f(item.expected),
            explanation=money_in_text(item.explanation, base, codes),
        )

    def view(item: CurrencyView) -> CurrencyView:
        base = bases.get(item.currency)
        f = scaler(base)
        return replace(
            item,
            currency=PERCENT,
            month_to_date=f(item.month_to_date),
            run_rate=f(item.run_rate),
            forecast=_scale_forecast(item.forecast, f),
            gpu_month_to_date=f(item.gpu_month_to_date),
            daily=tuple((day, f(v)) for day, v in item.daily),
            last_full_day=f(item.last_full_day),
            credits_month_to_date=f(item.credits_month_to_date),
            breakdowns={k: tuple(line(s, f) for s in v) for k, v in item.breakdowns.items()},
            movers=tuple(line(s, f) for s in item.movers),
            anomalies=tuple(anomaly(a, base) for a in item.anomalies),
        )

    def budget(item: BudgetView) -> BudgetView:
        f = scaler(item.amount)
        return replace(
            item,
            currency=PERCENT,
            amount=f(item.amount),
            spent=f(item.spent),
            forecast=_scale_forecast(item.forecast, f),
            provider_actual=None if item.provider_actual is None else f(item.provider_actual),
            provider_forecast=None if item.provider_forecast is None else f(item.provider_forecast),
            note=money_in_text(item.note, item.amount, codes),
        )

    budget_amounts = {b.name: b.amount for b in cost.budgets}

    def alert(item: CostAlert) -> CostAlert:
        if item.kind == "anomaly":
            base = bases.get(item.currency)
            value = percent_of(item.value, base)  # the day's amount; budgets' are shares
        else:
            base = budget_amounts.get(item.subject, bases.get(item.currency))
            value = item.value
        return replace(
            item,
            # The key names the currency too ("anomaly|USD|total|…"); masked, it says "%".
            key=item.key.replace(f"|{item.currency}|", f"|{PERCENT}|"),
            currency=PERCENT,
            value=value,
            message=money_in_text(item.message, base, codes),
        )

    def experiment(item: ExperimentCost) -> ExperimentCost:
        f = scaler(bases.get(item.currency))
        return replace(
            item,
            currency=PERCENT,
            spend=f(item.spend),
            per_run=None if item.per_run is None else f(item.per_run),
            per_point=None if item.per_point is None else f(item.per_point),
        )

    return replace(
        cost,
        views=tuple(view(v) for v in cost.views),
        budgets=tuple(budget(b) for b in cost.budgets),
        alerts=tuple(alert(a) for a in cost.alerts),
        experiments=tuple(experiment(e) for e in cost.experiments),
        sources_overlap=money_in_text(cost.sources_overlap, None, codes),
    )


# --- OKRs -------------------------------------------------------------------------------


def _kr_money(kr: KrView) -> KrView:
    """A key result counted in money, as a percentage of its target."""
    if not _is_money(kr.unit):
        return kr
    base = kr.target or kr.baseline or kr.current
    f: Callable[[float], float] = lambda value: percent_of(value, base)  # noqa: E731
    codes = [kr.unit.strip()]
    return replace(
        kr,
        unit=PERCENT,
        baseline=f(kr.baseline),
        target=f(kr.target),
        band_low=None if kr.band_low is None else f(kr.band_low),
        band_high=None if kr.band_high is None else f(kr.band_high),
        current=None if kr.current is None else f(kr.current),
        week_change=None if kr.week_change is None else f(kr.week_change),
        history=tuple(replace(p, value=f(p.value)) for p in kr.history),
        checkins=tuple(_checkin(c, f, base, codes) for c in kr.checkins),
        title=money_in_text(kr.title, base, codes),
        detail=money_in_text(kr.detail, base, codes),
        error=money_in_text(kr.error, base, codes),
    )


def _checkin(
    checkin: CheckIn, f: Callable[[float], float], base: float | None, codes: list[str]
) -> CheckIn:
    return replace(checkin, value=f(checkin.value), note=money_in_text(checkin.note, base, codes))


def _kpi_money(kpi: KpiView) -> KpiView:
    """A KPI counted in money, as a percentage of the top of its band."""
    if not _is_money(kpi.unit):
        return kpi
    base = kpi.band_high or kpi.band_low or kpi.current
    f: Callable[[float], float] = lambda value: percent_of(value, base)  # noqa: E731
    codes = [kpi.unit.strip()]
    points: tuple[KrPoint, ...] = tuple(replace(p, value=f(p.value)) for p in kpi.history)
    return replace(
        kpi,
        unit=PERCENT,
        current=None if kpi.current is None else f(kpi.current),
        band_low=None if kpi.band_low is None else f(kpi.band_low),
        band_high=None if kpi.band_high is None else f(kpi.band_high),
        week_change=None if kpi.week_change is None else f(kpi.week_change),
        history=points,
        title=money_in_text(kpi.title, base, codes),
        detail=money_in_text(kpi.detail, base, codes),
        error=money_in_text(kpi.error, base, codes),
    )


def mask_okrs(okrs: OkrSummary, people: _People) -> OkrSummary:
    objectives = tuple(
        replace(
            o,
            owner=people.who(o.owner),
            key_results=tuple(
                replace(_kr_money(kr), owner=people.who(kr.owner)) for kr in o.key_results
            ),
        )
        for o in okrs.objectives
    )
    kpis = tuple(replace(_kpi_money(k), owner=people.who(k.owner)) for k in okrs.kpis)
    return replace(okrs, objectives=objectives, kpis=kpis)


# --- sprint, experiments, team ----------------------------------------------------------


def mask_sprint(sprint: SprintSummary, people: _People, rules: MaskRules) -> SprintSummary:
    hidden = {i.key for i in sprint.issues if rules.labels.intersection(i.labels)}
    issues = tuple(
        replace(
            i,
            summary=i.key if i.key in hidden else i.summary,
            assignee=people.who(i.assignee),
            assignee_name=people.who(i.assignee_name),
        )
        for i in sprint.issues
    )
    blockers = tuple(
        replace(
            b,
            summary=b.key if b.key in hidden else b.summary,
            assignee=people.who(b.assignee),
            assignee_name=people.who(b.assignee_name),
        )
        for b in sprint.blockers
    )
    load = tuple(
        replace(a, assignee=people.who(a.assignee), name=people.who(a.name)) for a in sprint.load
    )
    return replace(sprint, issues=issues, blockers=blockers, load=load)


def tagged(row: RunRow, tags: frozenset[str]) -> bool:
    """Whether `[sharing] mask_tags` covers the run: a tag's name (`confidential`) or a name
    and value (`customer=acme`)."""
    return any(key in tags or f"{key}={value}" in tags for key, value in row.tags)


def _run(row: RunRow | None, people: _People, tags: frozenset[str] = frozenset()) -> RunRow | None:
    if row is None:
        return None
    name = row.run_id if tagged(row, tags) else row.name
    return replace(row, user=people.who(row.user), name=name)


def mask_experiments(
    experiments: ExperimentsSummary, people: _People, tags: frozenset[str] = frozenset()
) -> ExperimentsSummary:
    def rows(items: tuple[RunRow, ...]) -> tuple[RunRow, ...]:
        return tuple(_run(r, people, tags) for r in items)  # type: ignore[misc]

    boards = tuple(
        replace(
            b,
            top=rows(b.top),
            champion=_run(b.champion, people, tags),
            challenger=_run(b.challenger, people, tags),
        )
        for b in experiments.boards
    )
    cross = tuple(replace(c, rows=rows(c.rows)) for c in experiments.cross_boards)
    velocity_people: tuple[PersonVelocity, ...] = tuple(
        replace(p, user=people.who(p.user)) for p in experiments.velocity.people
    )
    velocity = replace(experiments.velocity, people=velocity_people)
    return replace(experiments, boards=boards, cross_boards=cross, velocity=velocity)


def mask_team(team: TeamSummary, people: _People) -> TeamSummary:
    def window(w: Any) -> Any:
        return None if w is None else replace(w, people=tuple(people.who(p) for p in w.people))

    week = tuple(
        replace(d, windows=tuple(window(w) for w in d.windows), best=window(d.best))
        for d in team.week
    )
    miss = team.nearest_miss
    if miss is not None:
        miss = replace(
            miss, window=window(miss.window), missing=tuple(people.who(p) for p in miss.missing)
        )
    return replace(
        team,
        people=tuple(replace(p, id=people.who(p.id), name=people.who(p.name)) for p in team.people),
        best_overlap=window(team.best_overlap),
        next_online=None
        if team.next_online is None
        else (people.who(team.next_online[0]), team.next_online[1]),
        week=week,
        nearest_miss=miss,
        handover=tuple(replace(h, person=people.who(h.person)) for h in team.handover),
    )


def mask_team_data(data: TeamData, people: _People) -> TeamData:
    """The people's records as the team screen's slot finder and fairness ledger read them."""
    return replace(
        data,
        people=tuple(
            replace(
                p,
                id=people.who(p.id),
                name=people.who(p.name),
                handle=people.who(p.handle) if p.handle else "",
                email=people.who(p.email) if p.email else "",
                account_id=people.who(p.account_id) if p.account_id else "",
            )
            for p in data.people
        ),
        meetings=tuple(
            replace(m, attendees=tuple(people.who(a) for a in m.attendees)) for m in data.meetings
        ),
    )


# --- the whole dashboard ----------------------------------------------------------------


def _names_shown(d: Dashboard) -> list[str]:
    """Names the sprint and the team show that the roster may not know."""
    names: list[str] = []
    if d.sprint is not None:
        names += [i.assignee_name for i in d.sprint.issues]
        names += [b.assignee_name for b in d.sprint.blockers]
        names += [a.name for a in d.sprint.load]
    if d.team is not None:
        names += [p.name for p in d.team.people]
    return [n for n in names if n and n.casefold() != "unassigned"]


def _walk_text(value: Any, change: Callable[[str], str]) -> Any:
    """`change` applied to every string inside a struct, tuple or dict (keys too)."""
    if isinstance(value, str):
        new = change(value)
        return value if new == value else new  # keeps enums' values (str subclasses) whole
    fields = getattr(type(value), "__struct_fields__", None)
    if fields is not None:
        changed = {}
        for name in fields:
            old = getattr(value, name)
            new = _walk_text(old, change)
            if new is not old:
                changed[name] = new
        return replace(value, **changed) if changed else value
    if isinstance(value, tuple | list):
        items = [_walk_text(item, change) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {_walk_text(k, change): _walk_text(v, change) for k, v in value.items()}
    return value


def mask_dashboard(dashboard: Dashboard, rules: MaskRules) -> Dashboard:
    """The dashboard with money as % of budget, names as initials and labelled issues as
    their keys. Pure: the same dashboard and rules give the same result on every surface."""
    d = dashboard
    people = _People(d.team_data.people if d.team_data else (), _names_shown(d))
    masked = replace(
        d,
        sprint=None if d.sprint is None else mask_sprint(d.sprint, people, rules),
        experiments=None
        if d.experiments is None
        else mask_experiments(d.experiments, people, rules.tags),
        okrs=None if d.okrs is None else mask_okrs(d.okrs, people),
        cost=None if d.cost is None else mask_cost(d.cost),
        team=None if d.team is None else mask_team(d.team, people),
        team_data=None if d.team_data is None else mask_team_data(d.team_data, people),
    )
    # The backstop for sentences: a name or an amount written inside free text (a holiday's
    # note, an issue title, a source's message) is hidden too.
    codes = set(CURRENCY_SYMBOLS)
    if d.cost is not None:
        codes |= {v.currency for v in d.cost.views}
    return _walk_text(masked, lambda text: money_in_text(people.in_text(text), None, codes))


def mask_rules(labels: Iterable[str] = (), tags: Iterable[str] = ()) -> MaskRules:
    return MaskRules(labels=frozenset(labels), tags=frozenset(tags))


# --- the marker -------------------------------------------------------------------------


def with_marker(text: str, fmt: str) -> str:
    """A rendered status or export with the mask marker at its top: a line of text or
    Markdown, a paragraph of HTML right after <body>, a "masked" key first in JSON."""
    if fmt == "json":
        import json

        payload = json.loads(text)
        return json.dumps({"masked": MASK_MARKER, **payload}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        # Right after the body's opening tag, whatever its attributes: a marker placed in
        # the <head> would not be shown at all.
        body = re.search(r"<body(?:\s[^>]*)?>", text, re.IGNORECASE)
        marker = f"<p><strong>{MASK_MARKER}</strong></p>"
        if body:
            return f"{text[: body.end()]}{marker}{text[body.end() :]}"
        return f"{marker}{text}"
    if fmt == "md":
        return f"**{MASK_MARKER}**\n\n{text}"
    return f"{MASK_MARKER}\n{text}"


def hidden_until_masked(dashboard: Dashboard) -> Dashboard:
    """The dashboard with every area's figures left out: what a shared screen shows in the
    moment between turning the mask on and its masked form being ready. Sources and their
    ages stay, so the status bar still tells the truth."""
    return replace(
        dashboard, sprint=None, experiments=None, okrs=None, cost=None, team=None, team_data=None
    )
