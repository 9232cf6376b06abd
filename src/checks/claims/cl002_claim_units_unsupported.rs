//! CL002 claim-units-unsupported: the check's definition (its `ccm explain` text) and its logic.

check! {
    CL002, "CL002", "claim-units-unsupported", Error,
    what: "(claims given) More units of an add-on claimed than the countable minutes support \
           (each unit needs a further full increment). The amount is the excess units' payment.",
    why: "Each add-on unit is a separately paid block of time; units beyond the logged minutes \
          are unsupported.",
    example: "99439 x2 claimed with 52 countable minutes (supports 1): $45.93 at risk.",
    source: "CPT time rules as adopted by CMS (full blocks, no rounding); CMS MLN909188.",
}
