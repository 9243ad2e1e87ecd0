"""Printable certificates from verified completion records of one learner."""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Sequence
from pathlib import Path

from .records import InvalidRecord, verify

__all__ = ["certificate"]


def _competency_names() -> dict[int, str]:
    from .. import data

    table = data.load("isp_competencies")
    return {int(n): str(c) for n, c in zip(table["number"], table["competency"], strict=True)}


def certificate(
    record_paths: Sequence[str | os.PathLike[str]],
    public_key_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
) -> Path:
    """Write a printable certificate from verified, passed records of one learner.

    The certificate is an HTML page, or a PDF printed from it with the system's Chromium when
    ``out_path`` ends in ``.pdf``.

    Every record is verified first; if any is invalid, :class:`InvalidRecord` is raised and
    nothing is written. Records that verify but were not passed are left off the certificate.
    """
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
    passed = [r for r in verified if r.record and r.record["passed"] is True]
    if not passed:
        raise ValueError("records: none of the records is a passed chapter; nothing to certify")
    names = _competency_names()
    passed.sort(key=lambda r: str(r.record["chapter"]) if r.record else "")
    rows, covered = [], set()
    for result in passed:
        rec = result.record or {}
        comps = [int(c) for c in rec["competencies"]]
        covered.update(comps)
        comp_text = "; ".join(f"{c}. {names.get(c, '?')}" for c in comps)
        digest = hashlib.sha256(Path(result.path).read_bytes()).hexdigest()
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(rec.get('chapter_title') or rec['chapter']))}"
            f"<br><code>{html.escape(str(rec['chapter']))}</code></td>"
            f"<td>{html.escape(comp_text)}</td>"
            f"<td>{html.escape(str(rec['score']))} / {html.escape(str(rec['max_score']))}</td>"
            f"<td>{html.escape(str(rec['graded_at']))}</td>"
            f"<td><code>{digest}</code></td>"
            "</tr>"
        )
    issuer = str(passed[0].record["issuer_key_sha256"]) if passed[0].record else ""
    latest = max(str(r.record["graded_at"]) for r in passed if r.record)
    versions = sorted({str(r.record["book_version"]) for r in passed if r.record})
    covered_text = ", ".join(f"{c}. {names.get(c, '?')}" for c in sorted(covered))
    page = _CERTIFICATE.format(
        learner=html.escape(learners[0]),
        rows="\n".join(rows),
        count=len(passed),
        covered=html.escape(covered_text),
        versions=html.escape(", ".join(versions)),
        issuer=html.escape(issuer),
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
<title>Record of completion: {learner}</title>
<style>
  body {{ font-family: Georgia, serif; max-width: 56rem; margin: 2rem auto; color: #111; }}
  h1 {{ font-size: 1.8rem; margin-bottom: 0.2rem; }}
  table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.92rem; }}
  th, td {{ border: 1px solid #999; padding: 0.4rem; text-align: left; vertical-align: top; }}
  th {{ background: #e8eef4; }}
  code {{ font-size: 0.75rem; word-break: break-all; }}
  .note {{ font-size: 0.85rem; color: #333; }}
  @media print {{ body {{ margin: 0.5cm; }} th {{ background: none; }} }}
</style>
</head>
<body>
<h1>Record of completion</h1>
<p><em>Implementation Support: an executable book</em> (version {versions})</p>
<p>This certifies that <strong>{learner}</strong> completed and passed {count} chapter(s),
graded by the trainer whose signing key has SHA-256 fingerprint <code>{issuer}</code>.</p>
<table>
<thead><tr><th>Chapter</th><th>Competencies of the implementation support practitioner
profile</th><th>Score</th><th>Graded (UTC)</th><th>SHA-256 of the signed record</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p><strong>Competencies addressed:</strong> {covered}.</p>
<p class="note">Generated from signed completion records, each verified against the trainer's
public key before this page was written; latest grading {latest}. To check a record yourself:
<code>implsupport course verify RECORD.json --public-key trainer.pub</code>. A signed record
shows that the trainer's key issued it unchanged; it does not show who did the work.</p>
</body>
</html>
"""
