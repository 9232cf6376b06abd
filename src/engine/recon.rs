//! The reconciliation: per file, rows read = rows counted + rows excluded (by reason).

use crate::audit::{AuditConfig, FileRecon};
use crate::checks::row_state::RowState;
use crate::domain::{Dataset, Kind};
use std::collections::BTreeMap;

pub(super) fn reconcile(
    ds: &Dataset,
    cfg: &AuditConfig,
    states: &[[u64; RowState::COUNT]],
) -> Vec<FileRecon> {
    let mut recon: Vec<FileRecon> = ds
        .files
        .iter()
        .map(|f| FileRecon {
            file: f.name.clone(),
            kind: f.kind,
            rows_read: f.rows_read,
            counted: 0,
            excluded: BTreeMap::new(),
        })
        .collect();
    for f in &ds.ingest_findings {
        if let Some(i) = f.file {
            *recon[i as usize]
                .excluded
                .entry(f.check.code.to_string())
                .or_default() += 1;
        }
    }
    for (file, counts) in states.iter().enumerate() {
        let fr = &mut recon[file];
        for (st, &n) in RowState::all().into_iter().zip(counts) {
            if n == 0 {
                continue;
            }
            if st == RowState::Counted {
                fr.counted += n;
            } else {
                *fr.excluded.entry(st.reason().to_string()).or_default() += n;
            }
        }
    }
    let count = |file: u16, fr: &mut Vec<FileRecon>| fr[file as usize].counted += 1;
    // Every kind says how its records count (a new kind must say it here, or not compile):
    // a row read and kept is counted once, whatever it gave.
    for kind in Kind::ALL {
        match kind {
            // Time-log rows are counted by their row states, above.
            Kind::Timelog => {}
            Kind::Consents => ds
                .consents
                .iter()
                .flatten()
                .for_each(|c| count(c.file, &mut recon)),
            Kind::Diagnoses => {
                // A row of several codes gives several diagnoses, one after another: one row.
                let mut last = None;
                for d in ds.diagnoses.iter().flatten() {
                    if last != Some((d.file, d.line)) {
                        count(d.file, &mut recon);
                    }
                    last = Some((d.file, d.line));
                }
            }
            Kind::Enrolments => {
                ds.enrolments
                    .iter()
                    .flatten()
                    .for_each(|e| count(e.file, &mut recon));
                // Refusals, enrolments elsewhere, revocations (of consents and enrolments
                // files): read and used, so counted.
                ds.statuses.iter().for_each(|s| count(s.file, &mut recon));
            }
            Kind::Careplans => ds
                .careplans
                .iter()
                .flatten()
                .for_each(|c| count(c.file, &mut recon)),
            Kind::Visits => ds
                .visits
                .iter()
                .flatten()
                .for_each(|v| count(v.file, &mut recon)),
            Kind::Staff => ds
                .roster
                .iter()
                .flatten()
                .for_each(|s| count(s.file, &mut recon)),
            Kind::Readings => ds
                .readings
                .iter()
                .flatten()
                .for_each(|r| count(r.file, &mut recon)),
            // With --month, a claim line of another month is not audited: excluded as a
            // time-log row of another month is.
            Kind::Claims => {
                for c in ds.claims.iter().flat_map(|cf| cf.claims.iter()) {
                    if cfg.audits(c.date_of_service) {
                        count(c.file, &mut recon);
                    } else {
                        *recon[c.file as usize]
                            .excluded
                            .entry(RowState::OutsideMonth.reason().to_string())
                            .or_default() += 1;
                    }
                }
            }
        }
    }
    recon
}
