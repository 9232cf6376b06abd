//! EL002 no-qualifying-condition: the check's definition (its `ccm explain` text) and its logic.

check! {
    EL002, "EL002", "no-qualifying-condition", Error,
    what: "(PCM) No chronic condition is active in the month. Principal Care Management needs one \
           high-risk condition expected to last at least 3 months; ccm checks that at least one \
           HCUP-chronic diagnosis (3-character category) is active.",
    why: "PCM pays for managing one serious chronic condition; without one on the problem list \
          the month is unsupported.",
    example: "P0050 has PCM minutes in March 2025 but only J06.9 (acute) on the problem list.",
    source: "CMS PFS CY2020 and CY2022 final rules (PCM); HCUP CCIR v2023.1.",
}
