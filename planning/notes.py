"""How each figure is counted, in words, from the deployment's settings: products disagree on
these choices, so the page prints them next to the figures they shape. The sentences hold the
settings' numbers, so they are written per language here rather than looked up in a catalogue."""

from __future__ import annotations

from config.deployment import PlanningSettings
from formatting.figures import number, percent
from planning.metrics import Figures

_TEXTS = {
    "de": {
        "service_level": "Anteil angenommen innerhalb von {target} s; Ziel {goal}.",
        "abandoned_in": " Abgebrochene Anrufe zählen im Nenner mit.",
        "abandoned_out": " Abgebrochene Anrufe zählen nicht mit.",
        "abandoned": "Aufgelegt während des Wartens",
        "without_short": ", ohne Kurzabbrecher (unter {short} s)",
        "exits_abandoned": "; Wechsel zu Rückruf oder Sprachnachricht zählt als Abbruch.",
        "exits_own": "; Wechsel zu Rückruf oder Sprachnachricht zählt als eigenes Ergebnis.",
        "short": "Aufgelegt nach weniger als {short} s Wartezeit.",
        "repeat": "Anrufe derselben Nummer innerhalb von {minutes} min zählen einmal.",
        "patience": "Gesamte Wartezeit geteilt durch die Zahl der Abbrüche.",
        "patience_missing": "Gesamte Wartezeit geteilt durch die Zahl der Abbrüche (mindestens {least} nötig).",
        "promise": "Am selben Tag (dringend) oder binnen 48 Stunden an Werktagen.",
        "occupancy": "Gesprächszeit geteilt durch die angemeldete Zeit an der Hotline.",
        "erlang_a": "Erlang A (mit Abbrüchen)",
        "erlang_c": "Erlang C (ohne Abbrüche)",
        "staffing": "{model}, Intervall {interval} min, höchste Auslastung {occupancy}, Ausfallquote {shrinkage}; "
        "Last: angebotene Anrufe je Intervall im Mittel der Wochentage des Zeitraums.",
    },
    "en": {
        "service_level": "Share answered within {target} s; target {goal}.",
        "abandoned_in": " Abandoned calls count in the denominator.",
        "abandoned_out": " Abandoned calls are left out.",
        "abandoned": "Hung up while waiting",
        "without_short": ", short abandons (under {short} s) left out",
        "exits_abandoned": "; leaving for a callback or voicemail counts as abandoned.",
        "exits_own": "; leaving for a callback or voicemail is its own outcome.",
        "short": "Hung up after waiting less than {short} s.",
        "repeat": "Calls from the same number within {minutes} min count once.",
        "patience": "Total waiting time divided by the number of abandons.",
        "patience_missing": "Total waiting time divided by the number of abandons (at least {least} needed).",
        "promise": "The same day (urgent) or within 48 hours on working days.",
        "occupancy": "Talk time divided by the time signed in to the hotline.",
        "erlang_a": "Erlang A (with abandons)",
        "erlang_c": "Erlang C (no abandons)",
        "staffing": "{model}, interval {interval} min, maximum occupancy {occupancy}, shrinkage {shrinkage}; "
        "load: offered calls per interval, averaged over the period's days of that weekday.",
    },
}


def counting_notes(settings: PlanningSettings, totals: Figures, language: str) -> dict[str, str]:
    t = _TEXTS.get(language, _TEXTS["de"])
    target = number(settings.target.total_seconds(), language)
    short = number(settings.short_abandon.total_seconds(), language)
    service_level = t["service_level"].format(target=target, goal=percent(settings.service_level, language, 0))
    service_level += t["abandoned_in"] if settings.count_abandoned else t["abandoned_out"]
    abandoned = t["abandoned"] + ("" if settings.count_short_abandons else t["without_short"].format(short=short))
    abandoned += t["exits_abandoned"] if settings.queue_exits_abandoned else t["exits_own"]
    model = t["erlang_a"] if totals.patience_s is not None else t["erlang_c"]
    return {
        "service_level": service_level,
        "abandoned": abandoned,
        "short": t["short"].format(short=short),
        "repeat": t["repeat"].format(minutes=number(settings.repeat_window.total_seconds() / 60, language)),
        "patience": t["patience"]
        if totals.patience_s is not None
        else t["patience_missing"].format(least=settings.min_abandons),
        "promise": t["promise"],
        "occupancy": t["occupancy"],
        "model": model,
        "staffing": t["staffing"].format(
            model=model,
            interval=number(settings.interval.total_seconds() / 60, language),
            occupancy=percent(settings.max_occupancy, language, 0),
            shrinkage=percent(settings.shrinkage, language, 0),
        ),
    }
