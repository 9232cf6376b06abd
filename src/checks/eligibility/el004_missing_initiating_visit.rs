//! EL004 missing-initiating-visit: the check's definition (its `ccm explain` text) and its logic.

check! {
    EL004, "EL004", "missing-initiating-visit", Error,
    what: "(visits file given) No qualifying face-to-face visit — E/M 99202–99205 or \
           99212–99215, AWV G0438/G0439, IPPE G0402 (the list is data in \
           rules/initiating_visits.csv); 99211 does not qualify — in the 12 months before CCM \
           started, nor since then up to the end of the month. CCM starts at the first CCM \
           consent or the first CCM minute, whichever is earlier. Any practitioner's visit \
           counts (the file does not say which practice a practitioner belongs to).",
    why: "CMS requires CCM to be initiated at a face-to-face visit for patients new to the \
          practitioner or not seen within a year; without it every CCM month is unsupported.",
    example: "P0041's CCM started 2025-02-03; their last visit was 2023-11-14.",
    source: "CMS MLN909188 (initiating visit); CMS CY2015 and CY2017 PFS final rules.",
}
