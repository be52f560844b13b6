"""Verification of an exported evidence bundle, with nothing but the bundle (no case, no password).

`verify_bundle(path, progress=None, cancel=None) -> BundleVerification` checks a bundle ZIP (or
its unzipped folder): the ZIP's paths, SHA256SUMS, the signed manifest against the files, the
custody ledger's hashes, links and Ed25519 signatures, the users' keys against the keys the
ledger announced, every item against its signed capture event, and the RFC 3161 timestamp
tokens. The checks themselves live in bundle_check.py, which is also the bundle's standalone
verify.py, so `python verify.py` and `evidence-kit verify` reach the same verdict; this module
adds typed results, the token checks and cancellation.

Result JSON (`BundleVerification.to_json()`, also read by report.write_verification_report and
the GUI's auditor view):

    {
      "ok": bool,                          # true only when no problem of severity "error"
      "bundle": str, "bundle_name": str,   # path as given, and its file name
      "bundle_sha256": str, "bundle_size": int,   # of the .zip ("" / 0 for a folder)
      "format": str, "format_version": int,        # "evidence-kit-bundle", 1
      "checked_at": str,                   # UTC ISO 8601 with ms and "Z"
      "tool": str,                         # "Evidence Kit x.y.z"
      "case": {"case_id", "number", "title", "offence", "agency", "created_at"},
      "export": {"exported_at": str, "lang": str, "blur": bool, "wacz": bool, "tool": str,
                 "items": [exhibit, ...],
                 "exporter": {"name", "full_name", "badge", "role", "public_key"}},
      "ledger": {"events": int, "first_seq": int, "last_seq": int,
                 "head": {"seq": int, "hash": str}},   # the case ledger's head at export
      "evidence_digest": str,              # SHA-256 over the evidence/ lines of SHA256SUMS
      "files_checked": int, "bytes_checked": int,
      "checks": [{"name": str, "status": "ok" | "failed" | "skipped" | "absent",
                  "detail": str, "detail_ko": str}, ...],
          # names: "zip", "files", "manifest", "manifest_signature", "ledger", "signatures",
          #        "keys", "items", "timestamps"
      "items": [{"exhibit": str, "title": str, "kind": str, "source": str, "platform": str,
                 "captured_at": str, "collector": str, "ok": bool,
                 "events": int, "creation_event": int | null, "timestamps": int,
                 "artifacts": [{"path": str, "role": str, "name": str, "mime": str, "size": int,
                                "sha256": str, "ok": bool}],
                 "problems": [problem, ...]}],
      "timestamps": [{"path": str, "subject_kind": "item" | "ledger", "subject": str,
                      "gen_time": str, "tsa": str, "ok": bool | null, "message": str}],
      "problems": [problem, ...]           # every problem, the items' ones included
    }

    problem = {"code": str, "severity": "error" | "warning", "message": str (English),
               "message_ko": str (Korean), "path": str | null, "exhibit": str | null,
               "seq": int | null}

Problem codes (stable; see bundle_check.MESSAGES for the wording): file_changed, file_removed,
file_added, file_unreadable, sums_malformed, manifest_missing, manifest_malformed,
manifest_mismatch, manifest_signature_missing, manifest_signature_bad, ledger_missing,
ledger_malformed, ledger_edited, ledger_link, ledger_order, ledger_removed, ledger_genesis,
signature_bad, signature_unknown_user, signatures_unchecked, key_swapped, key_unannounced,
keys_missing, item_no_capture_event, artifact_mismatch, artifact_missing,
artifact_not_recorded, ledger_head_mismatch, evidence_digest_mismatch, timestamp_bad,
timestamp_unchecked, zip_case_collision.

Errors that make a bundle impossible to check at all (not a ZIP, a truncated ZIP, a path that
escapes the folder, a newer format version) raise BundleError instead of returning a result.
"""
