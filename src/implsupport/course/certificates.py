"""Printable certificates from verified completion records of one learner.

One A4 page: the issuer and programme (as the trainer gives them), the learner, each chapter
passed once (its best score, then latest grading) with its competencies and score, the
competencies addressed, the trainer key's fingerprint and how to check the records.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Sequence
from pathlib import Path

from .records import InvalidRecord, format_fingerprint, verify

__all__ = ["certificate"]


def _competency_names() -> dict[int, str]:
    from .. import data

    table = data.load("isp_competencies")
    return {int(n): str(c) for n, c in zip(table["number"], table["competency"], strict=True)}


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError(f"{what}: expected a name of 1-200 characters, found {value!r}")
    return " ".join(value.split())


def certificate(
    record_paths: Sequence[str | os.PathLike[str]],
    public_key_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    issuer: str,
    programme: str,
) -> Path:
    """Write a one-page certificate from verified, passed records of one learner.

    The certificate is an HTML page, or a PDF printed from it with the system's Chromium when
    ``out_path`` ends in ``.pdf``. ``issuer`` and ``programme`` are the trainer's words.

    Every record is verified first; if any is invalid, :class:`InvalidRecord` is raised and
    nothing is written. Records that verify but were not passed are left off; a chapter passed
    more than once is listed once (its best score, then its latest grading).
    """
    issuer, programme = _text(issuer, "--issuer"), _text(programme, "--programme")
    if not record_paths:
        raise ValueError("records: give at least one record file")
    out = Path(out_path)
    if out.exists():
        raise FileExistsError(f"{out} already exists; refusing to overwrite it")
    verified = [verify(path, public_key_path) for path in record_paths]
    for result in verified:
        if not result.valid:
            raise InvalidRecord(f"{result.path}: {result.reason}; no certificate written")
    learners = sorted({str(r.record["learner"]) for r in verified if r.record})
    if len(learners) != 1:
        raise ValueError(f"records: expected records of one learner, found {learners}")
    best: dict[str, tuple] = {}
    for result in verified:
        rec = result.record or {}
        if rec.get("passed") is not True:
            continue
        rank = (rec["score"] / rec["max_score"], str(rec["graded_at"]))
        chapter = str(rec["chapter"])
        if chapter not in best or rank > best[chapter][0]:
            best[chapter] = (rank, result)
    if not best:
        raise ValueError("records: none of the records is a passed chapter; nothing to certify")
    names = _competency_names()
    rows, covered = [], set()
    for chapter in sorted(best):
        result = best[chapter][1]
        rec = result.record
        comps = [int(c) for c in rec["competencies"]]
        covered.update(comps)
        comp_text = "<br>".join(html.escape(f"{c}. {names.get(c, '?')}") for c in comps)
        digest = hashlib.sha256(Path(result.path).read_bytes()).hexdigest()
        rows.append(
            "<tr>"
            f"<td><strong>{html.escape(str(rec.get('chapter_title') or chapter))}</strong>"
            f"<br><span class=small>{html.escape(chapter)} · record "
            f"<code>{digest[:16]}</code></span></td>"
            f"<td class=small>{comp_text}</td>"
            f"<td class=num>{html.escape(str(rec['score']))}&thinsp;/&thinsp;"
            f"{html.escape(str(rec['max_score']))}</td>"
            f"<td class='small date'>{html.escape(str(rec['graded_at'])[:10])}</td>"
            "</tr>"
        )
    chosen = [best[c][1].record for c in sorted(best)]
    keys = sorted({str(r["issuer_key_sha256"]) for r in chosen})
    versions = sorted({str(r["book_version"]) for r in chosen})
    covered_text = "; ".join(f"{c}. {names.get(c, '?')}" for c in sorted(covered))
    latest = max(str(r["graded_at"]) for r in chosen)[:10]
    page = _CERTIFICATE.format(
        learner=html.escape(learners[0]),
        issuer=html.escape(issuer),
        programme=html.escape(programme),
        rows="\n".join(rows),
        count=len(best),
        chapters="chapter" if len(best) == 1 else "chapters",
        covered=html.escape(covered_text),
        n_covered=len(covered),
        versions=html.escape(", ".join(versions)),
        fingerprint=html.escape(" / ".join(format_fingerprint(k) for k in keys)),
        latest=html.escape(latest),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        from ..website import html_to_pdf

        return html_to_pdf(page, out)
    with open(out, "x", encoding="utf-8") as handle:
        handle.write(page)
    return out


_CERTIFICATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Certificate of completion: {learner}</title>
<style>
  @page {{ size: A4; margin: 14mm; }}
  * {{ box-sizing: border-box; }}
  body {{ font-family: "DejaVu Serif", Georgia, "Noto Serif CJK SC", "Noto Sans CJK SC",
         "WenQuanYi Zen Hei", serif; color: #111; margin: 0 auto;
         max-width: 182mm; padding: 8mm 0; font-size: 10.5pt; line-height: 1.35; }}
  .frame {{ border: 2px solid #1f4e79; padding: 9mm 10mm 7mm; min-height: 262mm;
           display: flex; flex-direction: column; }}
  .issuer {{ text-align: center; font-size: 12pt; letter-spacing: .04em;
            text-transform: uppercase; color: #1f4e79; margin: 0; }}
  h1 {{ text-align: center; font-size: 28pt; margin: 8mm 0 2mm; font-weight: normal; }}
  .programme {{ text-align: center; font-size: 13pt; margin: 0 0 6mm; font-style: italic; }}
  .learner {{ text-align: center; font-size: 24pt; margin: 3mm 0 4mm; font-weight: bold; }}
  .lead {{ text-align: center; margin: 0 0 5mm; }}
  table {{ border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }}
  th, td {{ border-bottom: 1px solid #b8c4d0; padding: 2mm 2mm; text-align: left;
           vertical-align: top; }}
  th {{ font-size: 9pt; text-transform: uppercase; letter-spacing: .03em; color: #1f4e79;
       border-bottom: 1.5px solid #1f4e79; }}
  .num {{ text-align: right; white-space: nowrap; }}
  .small {{ font-size: 9pt; }}
  code, .fp {{ font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }}
  .fp {{ white-space: nowrap; }}
  .covered {{ margin: 0 0 4mm; }}
  .body {{ margin: auto 0; }}
  .issued {{ display: flex; justify-content: space-between; align-items: flex-end;
            margin: 6mm 0 5mm; }}
  .issued div {{ border-top: 1px solid #111; padding-top: 1.5mm; min-width: 62mm;
                font-size: 9.5pt; }}
  .nowrap, td.date {{ white-space: nowrap; }}
  .verify {{ margin-top: auto; border-top: 1px solid #b8c4d0; padding-top: 3mm; font-size: 8.5pt;
            color: #333; }}
  .verify p {{ margin: 1mm 0; }}
  @media print {{ body {{ padding: 0; max-width: none; }} .frame {{ min-height: 265mm; }} }}
</style>
</head>
<body>
<div class="frame">
<p class="issuer">{issuer}</p>
<h1>Certificate of completion</h1>
<p class="programme">{programme}</p>
<p class="lead">This certifies that</p>
<p class="learner">{learner}</p>
<p class="lead">completed and passed {count} {chapters} of <em>Implementation Support: an
executable book</em> (version {versions}), each graded on its exercises against the trainer's
answer key.</p>
<div class="body">
<table>
<thead><tr><th>Chapter</th><th>Competencies of the implementation support practitioner
profile</th><th class=num>Score</th><th>Graded</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="covered"><strong>{n_covered} competencies addressed:</strong> {covered}.</p>
</div>
<div class="issued"><div>Issued by {issuer}</div><div>Latest grading {latest}</div></div>
<div class="verify">
<p><strong>How to verify.</strong> Each chapter rests on a completion record signed with the
trainer's Ed25519 key, whose SHA-256 fingerprint is<br><span class="fp">{fingerprint}</span>.
Ask the learner for the record files and the trainer for the public key, compare its
fingerprint (<code class=nowrap>implsupport course fingerprint trainer.pub</code>), then run
<code class=nowrap>implsupport course verify RECORD.json ... --public-key trainer.pub</code>;
the first 16 characters of each record's SHA-256 are shown above. A valid record shows that the
trainer's key issued it unchanged; it does not show who did the work, and the competencies
listed are those the chapters address.</p>
</div>
</div>
</body>
</html>
"""
