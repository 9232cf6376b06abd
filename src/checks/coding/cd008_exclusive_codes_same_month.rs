//! CD008 exclusive-codes-same-month: the check's definition (its `ccm explain` text) and its
//! logic. The pairs are data: rules/<year>/exclusive.csv.

use crate::checks::scope::{ClaimMonth, Emit};
use crate::rules::ExclusiveScope;

check! {
    CD008, "CD008", "exclusive-codes-same-month", Error,
    what: "(claims given) Two codes that are not reported together are claimed for one patient \
           in one calendar month, by one practitioner or by two: RPM with RTM (from the CY2024 \
           rules: 99453/99454/99457/99458 with 98975-98981), and from CY2026 RPM treatment \
           management 99470 (10-19 minutes) with 99457 or 99458, and RPM device supply 99445 \
           (2-15 days) with 99454 (16-30 days). A pair of scope `practitioner` binds one \
           billing practitioner only: from CY2025, APCM G0556-G0558 with TCM 99495/99496 by the \
           same NPI (APCM bundles TCM; APCM with CCM or PCM is OV003). The pairs come from \
           rules/<year>/exclusive.csv; every practitioner's claim that holds one of the codes \
           is held, each finding citing that claim's lines. Two CCM or PCM families of one \
           practitioner are CD004.",
    why: "CMS pays one of each pair per patient and month (the short code replaces the long \
          one, it is not added to it); a claims file with both passes clean and the second \
          code is denied or recouped.",
    example: "claims.csv line 4, 99457 on 1234567893's claim, and line 5, 99470 on 1628315479's, \
              for P0001 in 2026-01: both claims are held.",
    source: "CMS PFS CY2024 final rule, 88 FR 78818 (RPM or RTM, not both); CMS PFS CY2026 \
             final rule, 90 FR 49266 (Nov 5, 2025; FR Doc 2025-19787), \
             remote physiologic monitoring: CPT 99445 and 99470 adopted, 99445 not reported \
             with 99454, 99470 not with 99457; NCCI add-on edits (99458 only with 99457); \
             CMS PFS CY2025 final rule, 89 FR 97896-97 (the APCM bundle includes TCM). \
             Each pair's own source is in rules/<year>/exclusive.csv.",
    fix: "Bill one code of the pair for the patient and month: RPM or RTM, whichever the \
          patient's monitoring is; 99457 (with 99458) when 20 or \
          more minutes of treatment management are documented, else 99470; 99454 for 16-30 \
          days of readings, else 99445. Remove the other line from every practitioner's claim.",
}

/// Each exclusive pair of the year whose two codes are both claimed this patient-month
/// (by one practitioner, for a pair of scope `practitioner`).
pub fn check(m: &ClaimMonth, emit: &mut Emit) {
    for pair in &m.year.exclusive {
        let (a, b) = match pair.scope {
            ExclusiveScope::Month => (m.lines_of(&pair.code_a), m.lines_of(&pair.code_b)),
            ExclusiveScope::Practitioner => {
                // The lines of every practitioner who bills both.
                let by = |code: &str| -> Vec<(u32, (u16, u64))> {
                    m.lines
                        .iter()
                        .filter(|c| c.hcpcs == code)
                        .map(|c| (c.npi, (c.file, c.line)))
                        .collect()
                };
                let (a, b) = (by(&pair.code_a), by(&pair.code_b));
                let both = |x: &[(u32, (u16, u64))], y: &[(u32, (u16, u64))]| -> Vec<(u16, u64)> {
                    x.iter()
                        .filter(|(n, _)| y.iter().any(|(m, _)| m == n))
                        .map(|&(_, at)| at)
                        .collect()
                };
                (both(&a, &b), both(&b, &a))
            }
        };
        if a.is_empty() || b.is_empty() {
            continue;
        }
        let by_one = if pair.scope == ExclusiveScope::Practitioner {
            " by one practitioner"
        } else {
            ""
        };
        let program = [&pair.code_a, &pair.code_b]
            .into_iter()
            .find_map(|h| m.year.code(h))
            .map_or("", |r| r.program.as_str());
        let mut lines: Vec<(u16, u64)> = a.into_iter().chain(b).collect();
        lines.sort_unstable();
        m.cite(emit, emit.finding(
                &CD008,
                format!(
                    "{} and {} claimed for one patient in one month{by_one}, and they are not reported together (source: {})",
                    pair.code_a, pair.code_b, pair.source
                ),
            )
            .program(program), lines);
    }
}
