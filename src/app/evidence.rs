//! The shell of `ccm sample … -- TIMELOG.csv [AUDIT FLAGS]`: runs the audit `ccm trace`
//! runs, once per patient drawn, and writes an evidence packet per drawn item
//! (`evidence/<draw>-<patient>-<month>.json` and `.txt`); for a frame that is one of the
//! audit's claims files, ccm's verdict on each line becomes its proposal in review.csv.
//! What a packet holds is decided in [`crate::lookback::evidence`].

use super::{Prepared, Shown, Timing, prepare};
use crate::args::AuditPlan;
use crate::cli::EvidenceAudit;
use crate::domain::Kind;
use crate::lookback::evidence::{
    Item, ItemKey, LineVerdict, Proposal, item_key, line_verdict, packet_json, packet_name,
    proposal,
};
use crate::lookback::parse_amount;
use crate::lookback::sample::Pick;
use anyhow::{Result, anyhow, bail};
use clap::Parser;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// A drawn item: its pick, its frame cells and the physical line of its frame row.
pub(super) type Drawn<'a> = (&'a Pick, &'a [String], u64);

/// What the audit adds to the sample's files.
pub(super) struct Gathered {
    /// `evidence/…` files, in draw order.
    pub files: Vec<(String, Vec<u8>)>,
    /// ccm's proposals by frame line: the frame's own (ccm's output files) and verify
    /// mode's.
    pub proposals: BTreeMap<usize, Proposal>,
    /// What run.json says of the audit.
    pub info: Value,
}

/// Parses the arguments after `--` as `ccm trace` takes them (its patient id aside).
fn audit_plan(args: &[String]) -> Result<(AuditPlan, String)> {
    let parsed = EvidenceAudit::try_parse_from(args).map_err(|e| {
        let text = e.render().to_string();
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("cannot read them")
            .trim_start_matches("error: ")
            .to_string();
        anyhow!("the audit after --: {first}")
    })?;
    let audit = parsed.audit;
    if audit.month.is_some() {
        bail!(
            "the audit after -- takes no --month: it reads every month, as ccm trace does, and each packet shows its item's month"
        );
    }
    let Some(as_of) = audit.as_of.clone() else {
        bail!(
            "the audit after -- needs --as-of YYYY-MM-DD: a lookback's evidence must read the same on another day"
        );
    };
    let plan = AuditPlan::reading(&audit, chrono::Local::now().date_naive())?;
    // Recorded in run.json as the date it is read as (YYYY-MM-DD), as in every packet,
    // however it was typed (`4/15/2025`).
    let as_of = crate::domain::parse_date(&as_of).map_or(as_of, |d| d.to_string());
    Ok((plan, as_of))
}

/// The index in the dataset's files of the claims file that is the frame, if any.
fn frame_claims_file(ds: &crate::domain::Dataset, k: Option<usize>) -> Option<u16> {
    let k = k?;
    ds.files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == Kind::Claims)
        .nth(k)
        .map(|(i, _)| i as u16)
}

fn proposal_line(p: Option<&Proposal>) -> String {
    match p {
        Some(p) => format!(
            "ccm's proposal: audited_amount {}, overpayment {}{}",
            crate::lookback::render::money(p.audited),
            crate::lookback::render::money(p.overpayment),
            if p.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.reason)
            }
        ),
        None => "ccm's proposal: none (ccm has no verdict on this item)".to_string(),
    }
}

/// The packet as text: who wrote it and from what, then `ccm trace`'s own output.
#[allow(clippy::too_many_arguments)]
fn packet_text(
    run: &Value,
    item: &Item,
    key: Result<&ItemKey, &str>,
    prepared: &Prepared,
    in_inputs: bool,
    rows: &[crate::audit::TraceRow],
    verdict: Option<&LineVerdict>,
    proposal: Option<&Proposal>,
) -> Vec<u8> {
    use std::io::Write as _;
    let mut w = Vec::new();
    let cmd: Vec<&str> = run["command"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = writeln!(
        w,
        "ccm {} evidence packet: draw {} ({}), frame line {}",
        env!("CARGO_PKG_VERSION"),
        item.draw,
        item.role,
        item.frame_line
    );
    let _ = writeln!(
        w,
        "frame {} (sha256 {}), seed {}",
        run["frame"]["path"].as_str().unwrap_or(""),
        run["frame"]["sha256"].as_str().unwrap_or(""),
        run["seed"].as_str().unwrap_or("")
    );
    let _ = writeln!(w, "command: {}", cmd.join(" "));
    let _ = writeln!(w, "{}", proposal_line(proposal));
    if let Some(v) = verdict {
        let by = if v.reasons.is_empty() {
            String::new()
        } else {
            format!(" by {}", v.reasons.join("; "))
        };
        let _ = writeln!(w, "the frame's claim line: {}{by}", v.status);
    }
    let _ = writeln!(w);
    match key {
        Err(why) => {
            let _ = writeln!(w, "not traced: the frame row has {why}");
        }
        Ok(k) if !in_inputs => {
            let _ = writeln!(
                w,
                "not traced: patient {} is not in the audit's inputs",
                crate::domain::printable(&k.patient, 100)
            );
        }
        Ok(k) => {
            let _ = crate::report::write_trace(
                &mut w,
                &prepared.result,
                &k.patient,
                k.month,
                rows,
                &prepared.cfg,
                crate::report::Layout::default(),
            );
        }
    }
    w
}

/// Runs the audit behind the sample and makes the packets and proposals.
pub(super) fn gather(
    args: &[String],
    frame: &Path,
    header: &[String],
    items: &[Drawn],
    examined: Option<usize>,
    own: BTreeMap<usize, Proposal>,
    run: &Value,
) -> Result<Gathered> {
    let (plan, as_of) = audit_plan(args)?;
    let frame_at = crate::args::resolve(frame);
    let frame_meta = std::fs::metadata(frame).ok();
    let claims_k = plan.claims.iter().position(|c| {
        crate::args::resolve(c) == frame_at
            || std::fs::metadata(c)
                .ok()
                .zip(frame_meta.as_ref())
                .is_some_and(|(a, b)| crate::args::same_inode(&a, b))
    });
    let keys: Vec<Result<ItemKey, String>> = items
        .iter()
        .map(|(_, cells, _)| item_key(header, cells))
        .collect();
    let mut patients: Vec<Option<&str>> = keys
        .iter()
        .filter_map(|k| k.as_ref().ok().map(|k| Some(k.patient.as_str())))
        .collect();
    patients.sort();
    patients.dedup();
    if patients.is_empty() {
        patients.push(None);
    }
    let width = items
        .iter()
        .map(|(p, _, _)| p.draw)
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let mut proposals = own;
    let mut packets: BTreeMap<usize, [(String, Vec<u8>); 2]> = BTreeMap::new();
    for (n, patient) in patients.iter().enumerate() {
        let prepared = prepare(&plan, *patient, &Timing(None), &Shown::new(false))?;
        let (ds, result) = (&prepared.ds, &prepared.result);
        let claims_file = frame_claims_file(ds, claims_k);
        let verdict_of = |line: u64| claims_file.and_then(|f| line_verdict(ds, result, f, line));
        if n == 0 {
            // The verdicts are the audit's, the same in every run: read once.
            for (pick, cells, line) in items {
                let amount = examined
                    .and_then(|i| cells.get(i))
                    .and_then(|c| parse_amount(c).ok().flatten());
                if let Some(p) = verdict_of(*line).and_then(|v| proposal(&v, amount)) {
                    proposals.insert(pick.frame_line, p);
                }
            }
        }
        let in_inputs = result.has_trace_rows() || patient.is_some_and(|p| ds.mentions(p));
        for (i, ((pick, cells, line), key)) in items.iter().zip(&keys).enumerate() {
            let mine = match key {
                Ok(k) => Some(k.patient.as_str()) == *patient,
                Err(_) => n == 0,
            };
            if !mine {
                continue;
            }
            let item = Item {
                draw: pick.draw,
                frame_line: pick.frame_line,
                role: pick.role.as_str(),
                header,
                cells,
            };
            let key = key.as_ref().map_err(String::as_str);
            let rows = match key {
                Ok(k) if in_inputs => result.trace(ds, &k.patient, k.month),
                _ => Vec::new(),
            };
            let verdict = verdict_of(*line);
            let prop = proposals.get(&pick.frame_line);
            let mut json = packet_json(
                run,
                &item,
                key,
                ds,
                result,
                &prepared.cfg,
                in_inputs,
                &rows,
                verdict.as_ref(),
                prop,
            );
            let mut bytes = serde_json::to_vec_pretty(&json.take())?;
            bytes.push(b'\n');
            let text = packet_text(
                run,
                &item,
                key,
                &prepared,
                in_inputs,
                &rows,
                verdict.as_ref(),
                prop,
            );
            let name = format!("evidence/{}", packet_name(&item, key.ok(), width));
            packets.insert(
                i,
                [
                    (format!("{name}.json"), bytes),
                    (format!("{name}.txt"), text),
                ],
            );
        }
    }
    let files: Vec<(String, Vec<u8>)> = packets.into_values().flatten().collect();
    let info = json!({
        "args": args,
        "as_of": as_of,
        "frame_is_claims_file": claims_k.is_some(),
        "audits_run": patients.len(),
        "packets": items.len(),
    });
    Ok(Gathered {
        files,
        proposals,
        info,
    })
}
