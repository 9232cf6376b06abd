//! CD010 code-outside-its-life: the check's definition (its `ccm explain` text) and its
//! logic. The lives are data: rules/code_lives.csv.

use crate::checks::scope::{ClaimMonth, Emit};

check! {
    CD010, "CD010", "code-outside-its-life", Error,
    what: "(claims given) A claim line dated outside its code's life: before the code could be \
           billed (99470 and 99445 before 2026, 99439 and 99424-99427 before 2022, G0556-G0558 \
           before 2025) or after it was deleted (G2058 after 2021). The lives, each with its \
           source, are rules/code_lives.csv; the line's claim is held. Without claims, ccm never \
           proposes a code outside its life.",
    why: "Medicare denies a line whose code was not valid on its date of service; an old \
          month re-billed under a newer code, or a new code back-dated, is an overpayment if \
          paid.",
    example: "claims.csv line 2: 99470 for P0001 dated 2025-11-03; 99470 is valid from \
              2026-01-01.",
    source: "CMS PFS final rules: CY2015 (79 FR 67548), CY2017 (81 FR 80170), CY2019 (83 FR \
             59452), CY2020 (84 FR 62568), CY2022 (86 FR 64996), CY2025 (89 FR 97710), CY2026 \
             (90 FR 49266); each code's own source is in rules/code_lives.csv.",
    fix: "Bill the code valid on the date of service (G2058 before 2022 where 99439 is claimed; \
          99457 or nothing before 2026 where 99470 is claimed), or correct the date of service if \
          it was mistyped.",
}

/// Each line whose code has a life that does not cover its date of service.
pub fn check(m: &ClaimMonth, emit: &mut Emit) {
    for c in m.lines {
        let Some(l) = m.lives.get(c.hcpcs.as_str()) else {
            continue;
        };
        if l.life.covers(c.date_of_service) {
            continue;
        }
        let when = match l.life.to {
            Some(to) if c.date_of_service > to => format!("was deleted after {to}"),
            _ => format!("is valid from {}", l.life.from),
        };
        let program = m.year.code(&c.hcpcs).map_or("", |r| r.program.as_str());
        m.cite(
            emit,
            emit.finding(
                &CD010,
                format!(
                    "{} is dated {}, and {} {when} (source: {})",
                    c.hcpcs, c.date_of_service, c.hcpcs, l.source
                ),
            )
            .program(program),
            vec![(c.file, c.line)],
        );
    }
}
