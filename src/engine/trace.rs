//! `ccm trace`: the traced patient's rows, counted or excluded and why.

use super::billable;
use crate::audit::{Audit, TraceRow};
use crate::checks::row_state::RowState;
use crate::domain::{Dataset, YearMonth};

impl Audit {
    /// Whether the traced patient had any time-log row.
    pub fn has_trace_rows(&self) -> bool {
        !self.traced.is_empty()
    }

    /// Every time-log row of one patient-month, counted or excluded and why.
    pub fn trace(&self, ds: &Dataset, patient: &str, month: YearMonth) -> Vec<TraceRow> {
        let Some(p) = ds.patients.get(patient) else {
            return Vec::new();
        };
        let mut out: Vec<TraceRow> = self
            .traced
            .iter()
            .filter(|(r, _, _)| r.patient == p && month.contains(r.date))
            .map(|&(ref r, st, l)| {
                let counted = if st == RowState::Counted && billable(r.program) {
                    (r.secs - l.other_program - l.overlap).whole_minutes()
                } else {
                    0
                };
                TraceRow {
                    file: ds.file_name(r.file).to_string(),
                    line: r.line,
                    date: r.date,
                    interval: r.has_interval().then_some((r.start, r.end)),
                    staff: ds.staff.name(r.staff).to_string(),
                    role: r.role,
                    program: r.program.as_str(),
                    billing_npi: ds.npi_name(r.npi).to_string(),
                    minutes: r.secs.whole_minutes(),
                    state: st.reason(),
                    lost_to_other_program: l.other_program.whole_minutes(),
                    lost_to_overlap: l.overlap.whole_minutes(),
                    counted,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.date, a.interval, &a.file, a.line).cmp(&(b.date, b.interval, &b.file, b.line))
        });
        out
    }
}
