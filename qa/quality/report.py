"""Plain-text table of an evaluation report."""

from __future__ import annotations

from qa.quality.evaluate import EvalReport, Metrics

_COLUMNS = (
    ("n", "questions"),
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("hit@5", "hit_at_5"),
    ("MRR@5", "mrr_at_5"),
    ("hl@1", "highlight_hit_at_1"),
    ("claims", "claim_coverage"),
    ("refused-unans", "refused_unanswerable"),
    ("refused-ans", "refused_answerable"),
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _row(name: str, m: Metrics) -> list[str]:
    return [name] + [_cell(getattr(m, field)) for _, field in _COLUMNS]


def render_report(report: EvalReport) -> str:
    rows = [["type"] + [title for title, _ in _COLUMNS], _row("overall", report.overall)]
    rows += [_row(kind, m) for kind, m in report.by_type.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    wrong = [r for r in report.results if not r.ok]
    lines.append("")
    lines.append(f"wrong or incomplete: {len(wrong)} of {len(report.results)}")
    for r in wrong:
        detail = "answered" if r.answered else "refused"
        rank = f"rank {r.rank}" if r.rank else "not in top 5"
        claims = f", claims {r.claims_found}/{r.claims_total}" if r.claims_total else ""
        lines.append(f"  {r.id} [{r.type}] {detail}, {rank}{claims}: {r.question}")
    return "\n".join(lines)
