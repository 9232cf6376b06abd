#!/usr/bin/env python3
"""Seeded, deterministic generator of benchmark inputs for `ccm audit`.

    python3 benches/gen.py --rows N --patients P --month 2025-03 --seed S --out DIR \
        [--timed-share 0.8] [--nonclinical-share 0.03]

Writes DIR/timelog.csv, DIR/consents.csv, DIR/diagnoses.csv, DIR/enrolments.csv and
DIR/params.json (the parameters, so callers can tell whether a cached set matches).
Standard library only. The same arguments (and the same Python minor version, whose
`random` algorithms are stable) give byte-identical files.

The mix is meant to look like a real practice export, not to exercise every rule:
patient ids `P0000123`; ~1 billing practitioner (valid NPI) per 500 patients, grouped in
practices; clinical staff sized to the work (~400 rows per staff member a month, about
6-7 hours of logged time per working day, as a full-time care manager) plus front-desk
staff for the non-clinical share; program mostly CCM with ~5% RPM/PCM rows; minutes 2-40;
a share of rows with HH:MM clock times consistent with minutes, laid end to end through
each staff member's day from 08:00 (about 1% deliberately overlap the previous entry);
~half the notes contain commas and embedded double quotes; rows are in random order
(not grouped by patient or date).
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random
import sys
import time

TIMELOG_HEADER = (
    "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,"
    "program,billing_npi,activity,note\n"
)
CONSENTS_HEADER = "patient_id,consent_date,program,method,billing_npi,revoked_date\n"
DIAGNOSES_HEADER = "patient_id,icd10_code,onset_date,resolved_date,description\n"
ENROLMENTS_HEADER = "patient_id,program,start_date,end_date,billing_npi,icd10_code\n"

CHRONIC = [
    ("I10", "Essential (primary) hypertension"),
    ("E119", "Type 2 diabetes mellitus without complications"),
    ("E1165", "Type 2 diabetes mellitus with hyperglycemia"),
    ("I509", "Heart failure, unspecified"),
    ("J449", "Chronic obstructive pulmonary disease, unspecified"),
    ("E785", "Hyperlipidemia, unspecified"),
    ("F329", "Major depressive disorder, single episode, unspecified"),
    ("N1830", "Chronic kidney disease, stage 3 unspecified"),
]
NON_CHRONIC = ("R69", "Illness, unspecified")

# Clinical roles (and practitioners) with rough weights; Front Desk is added per practice.
ROLES = ["RN", "LPN", "MA", "CMA", "PharmD", "MD", "NP"]
ROLE_WEIGHTS = [30, 15, 20, 15, 8, 6, 6]

ACTIVITIES = [
    "phone outreach",
    "medication reconciliation",
    "care plan review",
    "patient education",
    "care coordination",
    "lab review",
    "referral follow-up",
    "symptom check",
    "portal message",
    "pharmacy call",
]

# Fragments for notes. Quoted notes contain commas and embedded double quotes.
NOTE_SUBJECTS = [
    "Reviewed home BP log",
    "Called pt re: refills",
    "Med reconciliation with spouse",
    "Discussed A1c results",
    "Followed up on cardiology referral",
    "Reviewed weight trend",
    "Coordinated DME order",
    "Updated care plan goals",
    "Reviewed inhaler technique",
    "Checked on mood and sleep",
    "Reviewed recent ED visit",
    "Called pharmacy about prior auth",
]
NOTE_DETAILS = [
    "avg 138/86",
    "2 missed evening doses",
    "no new symptoms",
    "weight up 3 lb in a week",
    "teach-back done",
    "pt agrees with plan",
    "appointment booked for next week",
    "fasting glucose 145",
    "PHQ-2 negative",
    "sent summary to PCP",
]
NOTE_QUOTES = [
    'pt said "feeling better"',
    'pt reports "some dizziness" when standing',
    'daughter says she is "on top of it"',
    'pt "forgot" the evening dose twice',
    'told to call if "short of breath"',
    'pt asked about the "water pill"',
]


def luhn_check_digit(digits: str) -> int:
    """Check digit to append to `digits` so that the whole string passes Luhn."""
    total = 0
    # Rightmost digit of `digits` is doubled (it sits left of the check digit).
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def make_npi(rng: random.Random) -> str:
    first9 = str(rng.choice("12")) + "".join(str(rng.randrange(10)) for _ in range(8))
    return first9 + str(luhn_check_digit("80840" + first9))


def csv_quote(s: str) -> str:
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def build_notes(rng: random.Random):
    """A pool of quoted notes (commas + embedded quotes) and a pool of plain notes."""
    quoted, plain = [], []
    for _ in range(4000):
        subj = rng.choice(NOTE_SUBJECTS)
        det = rng.choice(NOTE_DETAILS)
        q = rng.choice(NOTE_QUOTES)
        quoted.append(csv_quote(f"{subj}, {det}; {q}"))
        plain.append(f"{subj} - {det}")
    quoted = list(dict.fromkeys(quoted))
    plain = list(dict.fromkeys(plain))
    return quoted, plain


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, required=True, help="time-log rows")
    p.add_argument("--patients", type=int, required=True)
    p.add_argument("--month", default="2025-03", help="YYYY-MM of the service dates")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--timed-share", type=float, default=0.8,
                   help="share of rows with start_time/end_time")
    p.add_argument("--nonclinical-share", type=float, default=0.03,
                   help="share of rows performed by Front Desk staff")
    p.add_argument("--rows-per-staff", type=int, default=400,
                   help="time-log rows per clinical staff member in the month (default 400)")
    a = p.parse_args(argv)
    if a.rows < 0 or a.patients < 1 or a.rows_per_staff < 1:
        p.error("--rows must be >= 0, --patients and --rows-per-staff >= 1")
    try:
        y, m = (int(x) for x in a.month.split("-"))
        dt.date(y, m, 1)
    except Exception:
        p.error("--month must be YYYY-MM")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    year, month = (int(x) for x in a.month.split("-"))
    month_start = dt.date(year, month, 1)
    ndays = calendar.monthrange(year, month)[1]
    P = a.patients
    width = max(7, len(str(P)))

    # ---- practices, practitioners, staff -------------------------------------------
    n_npi = max(1, round(P / 500))
    npis = []
    seen = set()
    while len(npis) < n_npi:
        n = make_npi(rng)
        if n not in seen:
            seen.add(n)
            npis.append(n)
    # Practices of 1-6 practitioners each.
    practices = []  # list of (npi list, clinical staff [(id, role)], front-desk ids)
    i = 0
    staff_no = 0
    while i < n_npi:
        k = min(n_npi - i, rng.randint(1, 6))
        practices.append([npis[i:i + k], [], None])
        i += k
    # Patients are split across practices in proportion to their practitioners.
    pat_practice = [0] * P
    pat_npi = [""] * P
    pid = 0
    for pi, pr in enumerate(practices):
        share = round(P * len(pr[0]) / n_npi) if pi < len(practices) - 1 else P - pid
        share = max(0, min(share, P - pid))
        for _ in range(share):
            pat_practice[pid] = pi
            pat_npi[pid] = pr[0][rng.randrange(len(pr[0]))]
            pid += 1
        n_staff = max(1, round(a.rows * share / P / a.rows_per_staff))
        for _ in range(n_staff):
            staff_no += 1
            role = rng.choices(ROLES, ROLE_WEIGHTS)[0]
            pr[1].append((f"S{staff_no:06d}", role))
        fd = []
        for _ in range(max(1, round(n_staff * a.nonclinical_share))):
            staff_no += 1
            fd.append(f"S{staff_no:06d}")
        pr[2] = fd
    # Precomputed "staff_id,staff_role" strings per practice.
    prac_clin = [[f"{s},{r}" for s, r in pr[1]] for pr in practices]
    prac_fd = [[f"{s},Front Desk" for s in pr[2]] for pr in practices]

    pat_ids = [f"P{i:0{width}d}" for i in range(1, P + 1)]

    # Per-patient activity weight: skewed, so some patients have few rows (< 20 minutes)
    # and some have many.
    cum = []
    acc = 0.0
    for _ in range(P):
        acc += rng.expovariate(1.0) + 0.05
        cum.append(acc)

    # ---- time log ------------------------------------------------------------------
    days = [(month_start + dt.timedelta(days=d)) for d in range(ndays)]
    # Weekdays 5x as likely as weekend days.
    day_pool = []
    for d in days:
        day_pool += [d.isoformat()] * (5 if d.weekday() < 5 else 1)
    hhmm = [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60 + 1)]
    minutes_str = [str(m) for m in range(41)]
    quoted_notes, plain_notes = build_notes(rng)
    activities = ACTIVITIES
    # Program per patient: ~2% are PCM patients (all their rows PCM); ~10% of the CCM
    # patients also have remote monitoring, a third of their rows RPM.
    pat_pcm = [rng.random() < 0.02 for _ in range(P)]
    pat_rpm = [(not pat_pcm[i]) and rng.random() < 0.10 for i in range(P)]

    path = os.path.join(a.out, "timelog.csv")
    chunk = 200_000
    clock = {}  # (staff, day) -> next free minute of the day
    timed_share = a.timed_share
    nc_share = a.nonclinical_share
    with open(path, "w", newline="", encoding="utf-8", buffering=16 << 20) as f:
        f.write(TIMELOG_HEADER)
        done = 0
        while done < a.rows:
            n = min(chunk, a.rows - done)
            pats = rng.choices(range(P), cum_weights=cum, k=n)
            r = rng.random
            out = []
            app = out.append
            n_day = len(day_pool)
            n_q = len(quoted_notes)
            n_p = len(plain_notes)
            n_act = len(activities)
            for p in pats:
                mins = 2 + int(r() * 39)
                pr = pat_practice[p]
                if r() < nc_share:
                    fd = prac_fd[pr]
                    staff = fd[int(r() * len(fd))]
                else:
                    cl = prac_clin[pr]
                    staff = cl[int(r() * len(cl))]
                day = day_pool[int(r() * n_day)]
                if r() < timed_share:
                    # End to end through the staff member's day from 08:00, a few minutes
                    # apart; ~1% start inside the previous entry (a real overlap).
                    key = (staff, day)
                    s = clock.get(key, 480)
                    if r() < 0.01 and s > 480 + 10:
                        s -= 10
                    if s + mins > 24 * 60 - 1:
                        s = 480
                    times = hhmm[s] + "," + hhmm[s + mins]
                    clock[key] = s + mins + int(r() * 6)
                else:
                    times = ","
                x = r()
                if x < 0.5:
                    note = quoted_notes[int(r() * n_q)]
                elif x < 0.97:
                    note = plain_notes[int(r() * n_p)]
                else:
                    note = ""
                app(
                    f"{pat_ids[p]},{day},{minutes_str[mins]},"
                    f"{times},{staff},{'PCM' if pat_pcm[p] else ('RPM' if pat_rpm[p] and r() < 0.33 else 'CCM')},{pat_npi[p]},"
                    f"{activities[int(r() * n_act)]},{note}\n"
                )
            f.write("".join(out))
            done += n

    # ---- consents -------------------------------------------------------------------
    methods = ["verbal", "written", "electronic"]
    with open(os.path.join(a.out, "consents.csv"), "w", newline="", encoding="utf-8",
              buffering=4 << 20) as f:
        f.write(CONSENTS_HEADER)
        out = []
        for p in range(P):
            x = rng.random()
            if x < 0.95:
                cdate = month_start - dt.timedelta(days=1 + rng.randrange(730))
            elif x < 0.97:
                cdate = month_start + dt.timedelta(days=rng.randrange(ndays))  # mid-month
            else:
                continue  # no consent on file
            npi = pat_npi[p] if rng.random() < 0.7 else ""
            revoked = ""
            if rng.random() < 0.005:
                revoked = (month_start + dt.timedelta(days=rng.randrange(ndays))).isoformat()
            prog = "PCM" if pat_pcm[p] else "CCM"
            out.append(f"{pat_ids[p]},{cdate.isoformat()},{prog},{methods[rng.randrange(3)]},"
                       f"{npi},{revoked}\n")
            if rng.random() < 0.02:  # a later re-consent
                c2 = cdate + dt.timedelta(days=30 + rng.randrange(200))
                out.append(f"{pat_ids[p]},{c2.isoformat()},{prog},written,{npi},\n")
        f.write("".join(out))

    # ---- diagnoses ------------------------------------------------------------------
    chronic_q = [(c, csv_quote(d)) for c, d in CHRONIC]
    nc_code, nc_desc = NON_CHRONIC[0], csv_quote(NON_CHRONIC[1])
    with open(os.path.join(a.out, "diagnoses.csv"), "w", newline="", encoding="utf-8",
              buffering=8 << 20) as f:
        f.write(DIAGNOSES_HEADER)
        out = []
        for p in range(P):
            if rng.random() < 0.90:
                k = 2 + min(3, int(rng.expovariate(1.0)))
            else:
                k = rng.randrange(2)
            for code, desc in rng.sample(chronic_q, k):
                onset = ""
                if rng.random() < 0.85:
                    onset = (month_start - dt.timedelta(days=90 + rng.randrange(3650))).isoformat()
                resolved = ""
                if rng.random() < 0.02:
                    resolved = (month_start - dt.timedelta(days=1 + rng.randrange(60))).isoformat()
                out.append(f"{pat_ids[p]},{code},{onset},{resolved},{desc}\n")
            if rng.random() < 0.15:
                out.append(f"{pat_ids[p]},{nc_code},,,{nc_desc}\n")
        f.write("".join(out))

    # ---- enrolments -----------------------------------------------------------------
    with open(os.path.join(a.out, "enrolments.csv"), "w", newline="", encoding="utf-8",
              buffering=1 << 20) as f:
        f.write(ENROLMENTS_HEADER)
        out = []
        for p in range(P):
            x = rng.random()
            if pat_pcm[p]:
                x = 0.025
            elif pat_rpm[p]:
                x = 0.01
            if x >= 0.03:
                continue
            start = month_start - dt.timedelta(days=rng.randrange(400))
            end = ""
            if rng.random() < 0.3:
                end = (month_start + dt.timedelta(days=rng.randrange(ndays))).isoformat()
            npi = pat_npi[p] if rng.random() < 0.8 else ""
            if x < 0.02:
                out.append(f"{pat_ids[p]},RPM,{start.isoformat()},{end},{npi},\n")
            else:
                code = CHRONIC[rng.randrange(len(CHRONIC))][0]
                out.append(f"{pat_ids[p]},PCM,{start.isoformat()},{end},{npi},{code}\n")
        f.write("".join(out))

    params = {
        "rows": a.rows, "patients": a.patients, "month": a.month, "seed": a.seed,
        "timed_share": a.timed_share, "nonclinical_share": a.nonclinical_share,
        "rows_per_staff": a.rows_per_staff,
        "generator": "benches/gen.py v3",
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    with open(os.path.join(a.out, "params.json"), "w") as f:
        json.dump(params, f, sort_keys=True)
        f.write("\n")
    sys.stderr.write(f"gen.py: {a.rows} rows, {P} patients, {n_npi} NPIs, "
                     f"{staff_no} staff -> {a.out} in {time.time() - t0:.1f}s\n")


if __name__ == "__main__":
    main()
