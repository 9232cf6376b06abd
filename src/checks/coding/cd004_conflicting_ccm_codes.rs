//! CD004 conflicting-ccm-codes: the check's definition (its `ccm explain` text) and its logic.

check! {
    CD004, "CD004", "conflicting-ccm-codes", Error,
    what: "More than one CCM family claimed in one patient-month by one practitioner: \
           99490(+99439), 99487(+99489) and 99491(+99437) exclude each other.",
    why: "CMS pays one CCM family per patient per month; claiming two bills the same time twice.",
    example: "99490 and 99491 for P0007 in 2025-03.",
    source: "CMS MLN909188; CPT CCM reporting rules as adopted by CMS.",
}
