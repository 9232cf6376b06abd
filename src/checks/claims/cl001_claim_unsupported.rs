//! CL001 claim-unsupported: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimEvidence, Emit};
use crate::domain::Money;
use crate::rules::{CodeRule, TimeKind};

check! {
    CL001, "CL001", "claim-unsupported", Error,
    effect: ClaimLines,
    what: "(claims given) A claimed CCM or PCM line (or RPM treatment management line, \
           99457/99458/99470, when the time log logs RPM time) the evidence does not support \
           at all: no countable \
           minutes for the patient-month and practitioner, fewer than the base threshold, an \
           add-on with no minutes beyond the base, practitioner codes without the \
           practitioner's own minutes, or complex CCM without moderate/high MDM that month. \
           The amount is the line's payment, at risk.",
    why: "A paid claim without documentation is an overpayment to refund within 60 days of \
          identifying it.",
    example: "99490 claimed for P0026 in 2025-03 with 19 countable minutes: $60.49 at \
              risk.",
    source: "CMS MLN909188; 42 CFR 401.305 (60-day overpayment rule).",
    fix: "Remove or correct the claim line (void it if already paid and refund the overpayment \
          within 60 days); if the minutes or the MDM exist but were not exported, add them to the \
          time log or the care-plan file and run again.",
}

/// A claimed line the evidence supports no unit of; the amount at risk is the line's.
pub fn check(e: &ClaimEvidence, emit: &mut Emit) {
    if e.supported > 0 {
        return;
    }
    let (c, base, minutes) = (e.claim, e.base, e.minutes);
    let whose = whose(base);
    let why = if !e.logged {
        format!(
            "no {} minutes are logged for this patient-month under this NPI",
            e.program
        )
    } else if !e.mdm_ok {
        "no moderate or high MDM on a care-plan event this month (complex CCM)".to_string()
    } else if e.rule.is_addon {
        format!(
            "{minutes} {whose} reach no add-on unit beyond {}",
            base.hcpcs
        )
    } else {
        format!(
            "{minutes} {whose} are below the {}-minute threshold",
            base.threshold
        )
    };
    let mut f = emit
        .finding(&CL001, format!("{} is not supported: {why}", c.hcpcs))
        .at(c.file, c.line)
        .minutes(minutes);
    f.amount = Some(e.fee * Money::from(c.units));
    emit.push(f);
}

/// The minutes a family counts, as messages name them.
pub(super) fn whose(base: &CodeRule) -> &'static str {
    match base.time {
        TimeKind::Practitioner => "practitioner minutes",
        _ => "countable minutes",
    }
}
