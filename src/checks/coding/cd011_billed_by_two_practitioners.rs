//! CD011 billed-by-two-practitioners: the check's definition (its `ccm explain` text) and
//! its logic.

use crate::checks::scope::{ClaimMonth, Emit};
use crate::domain::Program;

check! {
    CD011, "CD011", "billed-by-two-practitioners", Error,
    what: "(claims given) One beneficiary's CCM (or PCM) claimed for one calendar month on two \
           or more claims: a base code of the program on the claims of different NPIs, or of \
           one NPI under two patient ids of the beneficiary. The beneficiary is the claims' \
           Medicare ID (`mbi`) when the lines carry one, so two patient ids of one person in a \
           batch (several claims files, `--claims A --claims B`) are one beneficiary; else the \
           patient id. Every such claim is held, each finding citing that claim's lines. Two \
           base lines on one claim are CD005.",
    why: "Medicare pays CCM to one practitioner per beneficiary per calendar month (PCM \
          likewise); the second claim is denied or recouped. OIG found CCM billed by more than \
          one practitioner for one month to be the largest category of CCM overpayments.",
    example: "claims.csv lines 2 and 3: 99490 for P0001 in 2025-03 by 1234567893 and by \
              1245319599: both claims are held.",
    source: "CMS MLN909188 (only one practitioner may bill CCM per beneficiary per month); CMS \
             PFS CY2020 final rule (PCM, one practitioner per month); OIG A-07-17-05101 and \
             A-07-19-05117 (CCM overpayments).",
    fix: "Keep the claim of the practitioner the patient consented to for that month and remove \
          the other claim's CCM lines (void them if already paid); coordinate with the other \
          practice so the patient has one CCM practitioner, or merge the duplicate patient \
          records when one practice holds the beneficiary under two ids.",
}

/// Per program, the beneficiary-month's base-code lines when they are on more than one
/// practitioner's claims.
pub fn check(m: &ClaimMonth, emit: &mut Emit) {
    for program in [Program::Ccm, Program::Pcm] {
        let p = program.as_str();
        let bases: Vec<_> = m
            .lines
            .iter()
            .filter(|c| {
                m.year
                    .code(&c.hcpcs)
                    .is_some_and(|r| r.program == p && !r.is_addon)
            })
            .collect();
        let mut claims: Vec<(u32, u32)> = bases.iter().map(|c| (c.npi, c.patient)).collect();
        claims.sort_unstable();
        claims.dedup();
        if claims.len() < 2 {
            continue;
        }
        let mut npis: Vec<u32> = claims.iter().map(|c| c.0).collect();
        npis.dedup();
        let mut codes: Vec<&str> = bases.iter().map(|c| c.hcpcs.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        m.cite(emit, emit.finding(
                &CD011,
                if npis.len() > 1 {
                    format!(
                        "{p} ({}) is claimed for this beneficiary in one month by {} billing practitioners; Medicare pays one",
                        codes.join(", "),
                        npis.len()
                    )
                } else {
                    format!(
                        "{p} ({}) is claimed for this beneficiary in one month on {} claims of one practitioner, under different patient ids; Medicare pays one",
                        codes.join(", "),
                        claims.len()
                    )
                },
            )
            .program(p), bases.iter().map(|c| (c.file, c.line)).collect());
    }
}
