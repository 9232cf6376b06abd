//! CD006 date-of-service-invalid: the check's definition (its `ccm explain` text) and its logic.

check! {
    CD006, "CD006", "date-of-service-invalid", Error,
    what: "A claim dated before the day its time threshold was met in the month, or after the \
           as-of date (not yet rendered).",
    why: "The date of service may be the day the threshold is reached or any later day of the \
          month, never earlier.",
    example: "99490 dated 2025-03-05 when the 20th minute was logged on 2025-03-12.",
    source: "CMS MLN909188 (date of service for CCM); CMS CY2017 PFS final rule.",
}
