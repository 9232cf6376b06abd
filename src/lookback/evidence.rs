//! Evidence packets (issue 26, part 3) and ccm's proposal for the review (part 1): what
//! the audit `ccm trace` runs says of one drawn item, as a reviewer attaches it to the
//! worksheet. Pure: the shell (`app::evidence`) runs the audit, this module says what the
//! packet holds. No rule is decided here: the verdicts, rows and findings are the audit's.

use super::{MONTH_COLUMNS, claim_names, find_column};
use crate::audit::{Audit, AuditConfig, TraceRow};
use crate::domain::{Dataset, YearMonth, money_str, parse_date};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The patient-month (and practitioner) a frame row is about, read from its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemKey {
    pub patient: String,
    pub month: YearMonth,
    pub npi: Option<String>,
}

/// A frame row's patient-month: the patient id column (claims-file names), the `month`
/// (YYYY-MM) or else the date of service's month, and the billing NPI when there is one.
pub fn item_key(header: &[String], cells: &[String]) -> Result<ItemKey, String> {
    let cell = |names: &[&str]| {
        find_column(header, names)
            .and_then(|i| cells.get(i))
            .map(|c| c.trim())
    };
    let patient = cell(&claim_names("patient_id"))
        .filter(|p| !p.is_empty())
        .ok_or("no patient id (a patient_id column)")?;
    let month = match cell(MONTH_COLUMNS).filter(|m| !m.is_empty()) {
        Some(m) => YearMonth::parse(m).ok_or("its month is not YYYY-MM")?,
        None => cell(&claim_names("date_of_service"))
            .and_then(parse_date)
            .map(YearMonth::of)
            .ok_or("no month (a month or date_of_service column, YYYY-MM-DD or MM/DD/YYYY)")?,
    };
    Ok(ItemKey {
        patient: patient.to_string(),
        month,
        npi: cell(&claim_names("billing_npi"))
            .filter(|n| !n.is_empty())
            .map(str::to_string),
    })
}

/// What ccm proposes for one item of the review: the paid amount the review would
/// support, the amount overpaid, and why (the errors that hold the claim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub audited: Decimal,
    pub overpayment: Decimal,
    pub reason: String,
}

impl Proposal {
    fn json(&self) -> Value {
        json!({
            "audited_amount": super::render::money(self.audited),
            "overpayment": super::render::money(self.overpayment),
            "overpayment_reason": self.reason,
        })
    }
}

/// The proposals a frame that is ccm's own output carries in itself (no audit needed):
/// every row of a derive-mode `clean_claims.csv` is a line no error holds (overpayment 0,
/// its expected payment supported); every row of `held_claims.csv` is held (its
/// `amount_held` overpaid, its `reasons` why). Keyed by frame line; a row with no amount
/// gets none.
pub fn own_file_proposals(
    header: &[String],
    rows: &[(usize, &[String])],
) -> BTreeMap<usize, Proposal> {
    let is =
        |cols: &[&str]| header.len() == cols.len() && header.iter().zip(cols).all(|(h, c)| h == c);
    let col = |name: &str| header.iter().position(|h| h == name);
    let amount = |cells: &[String], i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .and_then(|c| super::parse_amount(c).ok().flatten())
    };
    let mut out = BTreeMap::new();
    if is(&crate::report::CLAIM_COLUMNS) {
        let pay = col("expected_payment");
        for (line, cells) in rows {
            if let Some(a) = amount(cells, pay) {
                out.insert(
                    *line,
                    Proposal {
                        audited: a,
                        overpayment: Decimal::ZERO,
                        reason: String::new(),
                    },
                );
            }
        }
    } else if is(&crate::report::HELD_COLUMNS) {
        let (held, why) = (col("amount_held"), col("reasons"));
        for (line, cells) in rows {
            if let Some(a) = amount(cells, held) {
                out.insert(
                    *line,
                    Proposal {
                        audited: Decimal::ZERO,
                        overpayment: a,
                        reason: why.and_then(|i| cells.get(i)).cloned().unwrap_or_default(),
                    },
                );
            }
        }
    }
    out
}

/// What verify mode decided of the frame row, when the frame is a claims file of the audit.
#[derive(Clone, Debug)]
pub struct LineVerdict {
    /// The line's index among the claims file's valid lines.
    pub index: usize,
    /// `goes out`, `held` or `not audited`.
    pub status: &'static str,
    /// What the line claims at the fee schedule (`None`: ccm does not price its code).
    pub claimed: Option<Decimal>,
    /// The errors that hold its claim, `CODE name`, in catalogue order.
    pub reasons: Vec<String>,
    /// Of a held line, what the evidence supports of it at the fee schedule (its units the
    /// minutes support) when every error holding its claim judges claim lines against the
    /// evidence ([`crate::domain::Effect::ClaimLines`]: they say how much was due, not that
    /// nothing was); `None` otherwise.
    pub supported: Option<Decimal>,
}

/// The verdict of the claims file's line `(file, line)`, if it was read.
pub fn line_verdict(ds: &Dataset, audit: &Audit, file: u16, line: u64) -> Option<LineVerdict> {
    let claims = ds.claims.as_ref()?;
    let index = claims
        .claims
        .iter()
        .position(|c| c.file == file && c.line == line)?;
    let v = audit.verify.as_ref()?;
    let held = v.held.iter().find(|h| h.lines.contains(&index));
    let status = if held.is_some() {
        "held"
    } else if v.clean.contains(&index) {
        "goes out"
    } else {
        "not audited"
    };
    Some(LineVerdict {
        index,
        status,
        claimed: v.line_claimed.get(index).copied().flatten(),
        supported: held
            .filter(|h| {
                h.why
                    .reasons
                    .iter()
                    .all(|c| c.effect == crate::domain::Effect::ClaimLines)
            })
            .and_then(|_| v.line_supported.get(index).copied().flatten()),
        reasons: held
            .map(|h| {
                h.why
                    .reasons
                    .iter()
                    .map(|c| format!("{} {}", c.code, c.name))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// ccm's proposal from a line's verdict: a line that goes out is supported in full; a line
/// of a held claim is overpaid in full, unless every error holding the claim judges its
/// lines against the evidence (CL001, CL002, DV001: [`LineVerdict::supported`]): an
/// overpayment is what was paid beyond what was due, so the line was due what its minutes
/// support, its share of the amount (the amount times supported over claimed at the fee
/// schedule, to the cent), and is overpaid the rest. Any other error (consent, conditions,
/// a clash, the coding) makes nothing due. The amount is the frame's (`examined`), else
/// what the line claims at the fee schedule. None for a line ccm does not price or did not
/// audit.
pub fn proposal(v: &LineVerdict, examined: Option<Decimal>) -> Option<Proposal> {
    let amount = examined.or(v.claimed)?;
    let claimed = v.claimed?;
    match v.status {
        "held" if v.supported.is_some() => {
            let share = match v.supported {
                Some(s) if !claimed.is_zero() => {
                    crate::domain::cents(amount * s.min(claimed) / claimed)
                }
                _ => Decimal::ZERO,
            };
            let overpayment = amount - share;
            Some(Proposal {
                audited: share,
                overpayment,
                reason: if overpayment.is_zero() {
                    String::new()
                } else {
                    v.reasons.join("; ")
                },
            })
        }
        "held" => Some(Proposal {
            audited: Decimal::ZERO,
            overpayment: amount,
            reason: v.reasons.join("; "),
        }),
        "goes out" => Some(Proposal {
            audited: amount,
            overpayment: Decimal::ZERO,
            reason: String::new(),
        }),
        _ => None,
    }
}

/// One drawn item, as the packet names it.
pub struct Item<'a> {
    pub draw: usize,
    pub frame_line: usize,
    pub role: &'static str,
    pub header: &'a [String],
    pub cells: &'a [String],
}

/// The packet's file name (without extension): draw (zero-padded to `width`), patient
/// and month, every character but letters, digits, `.`, `_` and `-` as `_`.
pub fn packet_name(item: &Item, key: Option<&ItemKey>, width: usize) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .take(60)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    match key {
        Some(k) => format!("{:0width$}-{}-{}", item.draw, safe(&k.patient), k.month),
        None => format!("{:0width$}-frame-line-{}", item.draw, item.frame_line),
    }
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn check_name(state: &str) -> Option<&'static str> {
    crate::checks::lookup(state).map(|c| c.name)
}

fn time_rows(rows: &[TraceRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            json!({
                "file": r.file,
                "line": r.line,
                "date": r.date.to_string(),
                "start": r.interval.map(|(s, _)| hhmm(s)),
                "end": r.interval.map(|(_, e)| hhmm(e)),
                "staff": r.staff,
                "role": format!("{:?}", r.role).to_lowercase(),
                "program": r.program,
                "billing_npi": r.billing_npi,
                "minutes": r.minutes,
                "counted": r.state == "counted",
                "state": r.state,
                "why_not": check_name(r.state),
                "lost_to_other_program": r.lost_to_other_program,
                "lost_to_overlap": r.lost_to_overlap,
                "minutes_counted": r.counted,
            })
        })
        .collect()
}

/// The patient's records in the companion files, each with its file and line: what the
/// checks read for the month (consent, problem list, visits, care plans, enrolments).
fn records(ds: &Dataset, p: u32, dx_on_lines: &[String]) -> Value {
    let npi = |n: Option<u32>| n.map(|n| ds.npi_name(n).to_string());
    let at = |file: u16, line: u64| json!({ "file": ds.file_name(file), "line": line });
    let with = |mut v: Value, file: u16, line: u64| {
        if let (Value::Object(m), Value::Object(a)) = (&mut v, at(file, line)) {
            let mut out = a;
            out.append(m);
            return Value::Object(out);
        }
        v
    };
    let consents: Vec<Value> = ds
        .consents
        .iter()
        .flatten()
        .filter(|c| c.patient == p)
        .map(|c| {
            with(
                json!({
                    "date": c.date.to_string(),
                    "program": c.program.as_str(),
                    "billing_npi": npi(c.npi),
                    "revoked": c.revoked.map(|d| d.to_string()),
                }),
                c.file,
                c.line,
            )
        })
        .collect();
    let statuses: Vec<Value> = ds
        .statuses_of(p)
        .iter()
        .map(|s| {
            with(
                json!({
                    "kind": s.kind.as_str(),
                    "program": s.program.as_str(),
                    "status": s.status.as_str(),
                    "word": s.word,
                    "date": s.date.map(|d| d.to_string()),
                }),
                s.file,
                s.line,
            )
        })
        .collect();
    let diagnoses: Vec<Value> = ds
        .diagnoses
        .iter()
        .flatten()
        .filter(|d| d.patient == p)
        .map(|d| {
            let code = d.code.dotted();
            with(
                json!({
                    "on_claim_lines": dx_on_lines.contains(&code),
                    "code": code,
                    "onset": d.onset.map(|x| x.to_string()),
                    "resolved": d.resolved.map(|x| x.to_string()),
                }),
                d.file,
                d.line,
            )
        })
        .collect();
    let visits: Vec<Value> = ds
        .visits
        .iter()
        .flatten()
        .filter(|v| v.patient == p)
        .map(|v| {
            with(
                json!({ "date": v.date.to_string(), "hcpcs": v.hcpcs, "billing_npi": npi(v.npi) }),
                v.file,
                v.line,
            )
        })
        .collect();
    let careplans: Vec<Value> = ds
        .careplans
        .iter()
        .flatten()
        .filter(|c| c.patient == p)
        .map(|c| {
            with(
                json!({
                    "date": c.date.to_string(),
                    "mdm": c.mdm.map(|m| format!("{m:?}").to_lowercase()),
                }),
                c.file,
                c.line,
            )
        })
        .collect();
    let enrolments: Vec<Value> = ds
        .enrolments
        .iter()
        .flatten()
        .filter(|e| e.patient == p)
        .map(|e| {
            with(
                json!({
                    "program": e.program.as_str(),
                    "start": e.start.to_string(),
                    "end": e.end.map(|d| d.to_string()),
                    "billing_npi": npi(e.npi),
                }),
                e.file,
                e.line,
            )
        })
        .collect();
    // A companion file not given is `null` (ccm could not check it), not an empty list.
    let given = |some: bool, v: Vec<Value>| if some { Value::from(v) } else { Value::Null };
    json!({
        "consents": given(ds.consents.is_some(), consents),
        "consent_statuses": statuses,
        "diagnoses": given(ds.diagnoses.is_some(), diagnoses),
        "visits": given(ds.visits.is_some(), visits),
        "careplans": given(ds.careplans.is_some(), careplans),
        "enrolments": given(ds.enrolments.is_some(), enrolments),
    })
}

/// The claims file's lines of the patient-month (verify mode), with what became of each.
fn claim_lines(ds: &Dataset, audit: &Audit, p: u32, month: YearMonth) -> Value {
    let Some(claims) = &ds.claims else {
        return Value::Null;
    };
    let lines: Vec<Value> = claims
        .claims
        .iter()
        .filter(|c| c.patient == p && month.contains(c.date_of_service))
        .filter_map(|c| {
            let v = line_verdict(ds, audit, c.file, c.line)?;
            Some(json!({
                "file": ds.file_name(c.file),
                "line": c.line,
                "date_of_service": c.date_of_service.to_string(),
                "hcpcs": c.hcpcs,
                "units": c.units,
                "billing_npi": ds.npi_name(c.npi),
                "claimed": v.claimed.map(money_str),
                "status": v.status,
                "held_by": v.reasons,
            }))
        })
        .collect();
    Value::from(lines)
}

/// The packet of one item: the run, the item, ccm's verdict (outcomes, the claim line's
/// fate, the proposal), the time-log rows counted and not (and why), the findings, and the
/// records the checks read, each with its file and line. What `ccm trace` shows of the
/// patient-month, as data; no note text (trace shows none).
#[allow(clippy::too_many_arguments)]
pub fn packet_json(
    run: &Value,
    item: &Item,
    key: Result<&ItemKey, &str>,
    ds: &Dataset,
    audit: &Audit,
    cfg: &AuditConfig,
    in_inputs: bool,
    rows: &[TraceRow],
    frame_verdict: Option<&LineVerdict>,
    proposal: Option<&Proposal>,
) -> Value {
    let frame_row: serde_json::Map<String, Value> = item
        .header
        .iter()
        .zip(item.cells)
        .map(|(h, c)| (h.clone(), Value::from(c.as_str())))
        .collect();
    let mut v = json!({
        "run": run,
        "item": {
            "draw": item.draw,
            "frame_line": item.frame_line,
            "role": item.role,
            "frame_row": frame_row,
        },
        "as_of": cfg.as_of.to_string(),
        "policy": cfg.policy.as_str(),
        "proposal": proposal.map(Proposal::json),
    });
    let key = match key {
        Ok(k) => k,
        Err(why) => {
            v["traced"] = json!(false);
            v["not_traced_because"] = json!(format!("the frame row has {why}"));
            return v;
        }
    };
    v["item"]["patient_id"] = json!(key.patient);
    v["item"]["month"] = json!(key.month.to_string());
    v["item"]["billing_npi"] = json!(key.npi);
    let Some(p) = ds.patients.get(&key.patient).filter(|_| in_inputs) else {
        v["traced"] = json!(false);
        v["not_traced_because"] = json!("the patient is not in the audit's inputs");
        return v;
    };
    let outcomes: Vec<&crate::audit::Outcome> = audit
        .outcomes
        .iter()
        .filter(|o| o.patient_id == key.patient.as_str() && o.month == key.month)
        .collect();
    let mut dx_on_lines: Vec<String> = outcomes
        .iter()
        .flat_map(|o| {
            o.lines
                .iter()
                .flat_map(|l| l.dx.iter().map(|d| d.to_string()))
        })
        .collect();
    dx_on_lines.sort();
    dx_on_lines.dedup();
    let outcomes: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            json!({
                "program": o.program.as_str(),
                "billing_npi": o.billing_npi.to_string(),
                "minutes": o.minutes,
                "practitioner_minutes": o.practitioner_minutes,
                "complex": o.complex,
                "status": o.status.as_str(),
                "family": o.chosen.as_ref().map(|c| c.to_string()),
                "alternatives": o.alternatives.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                "lines": o.lines.iter().map(|l| json!({
                    "hcpcs": l.hcpcs.to_string(),
                    "units": l.units,
                    "date_of_service": l.date_of_service.to_string(),
                    "dx": l.dx.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                    "minutes": l.minutes,
                    "expected_payment": money_str(l.expected_payment),
                })).collect::<Vec<_>>(),
                "payment": money_str(o.payment),
            })
        })
        .collect();
    let findings: Vec<Value> = audit
        .findings
        .iter()
        .filter(|f| f.patient_id == key.patient.as_str() && f.month == Some(key.month))
        .map(|f| {
            json!({
                "code": f.check.code,
                "name": f.check.name,
                "severity": f.severity.as_str(),
                "billing_npi": f.billing_npi.to_string(),
                "program": f.program.to_string(),
                "file": f.file.map(|i| ds.file_name(i)),
                "lines": f.lines,
                "message": f.message,
                "holds_the_month": f.holds_month(),
                "amount": f.amount.map(money_str),
            })
        })
        .collect();
    let counted = rows.iter().filter(|r| r.state == "counted").count();
    v["traced"] = json!(true);
    v["verdict"] = json!({
        "outcomes": outcomes,
        "frame_claim_line": frame_verdict.map(|l| json!({
            "status": l.status,
            "claimed": l.claimed.map(money_str),
            "held_by": l.reasons,
        })),
    });
    v["time_rows"] = json!({
        "counted": counted,
        "not_counted": rows.len() - counted,
        "rows": time_rows(rows),
    });
    v["findings"] = Value::from(findings);
    v["records"] = records(ds, p, &dx_on_lines);
    v["claim_lines"] = claim_lines(ds, audit, p, key.month);
    v
}
