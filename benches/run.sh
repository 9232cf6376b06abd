#!/usr/bin/env bash
# Benchmark: ccm audit vs a bare csv-crate parse vs a DuckDB core-audit query, on the same
# generated files. Not a test; CI never runs it. See benches/README.md.
#
#   bash benches/run.sh [ROWS...]        # default: 2000000 10000000
#   bash benches/run.sh --check [ROWS...]             # default 2000000: output checksums vs
#                                                     # benches/checksums.txt (BENCH_BLESS=1 writes it)
#   bash benches/run.sh --compare OLD_CCM [ROWS...]   # old and new binary, interleaved runs,
#                                                     # wall and peak RSS side by side, checksums
#
# Environment knobs: BENCH_RUNS (default 3), BENCH_SEED (default 42),
# BENCH_DIR (default target/bench-data).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BENCH=${BENCH_DIR:-$ROOT/target/bench-data}
RUNS=${BENCH_RUNS:-3}
SEED=${BENCH_SEED:-42}
MONTH=2025-03
AS_OF=2025-04-15
TIMED_SHARE=0.8
NONCLINICAL_SHARE=0.03
CHRONIC=$ROOT/rules/chronic/ccir_v2023_1.csv
ROLES=$ROOT/rules/2025/roles.csv
SQL=$ROOT/benches/duckdb_core.sql
MODE=full
OLD_CCM=""
case "${1:-}" in
    --check) MODE=check; shift ;;
    --compare)
        MODE=compare
        OLD_CCM=$(realpath "${2:?--compare needs the old ccm binary}")
        shift 2
        ;;
esac
if [ "$#" -gt 0 ]; then
    SIZES=("$@")
elif [ "$MODE" = check ]; then
    SIZES=(2000000)
else
    SIZES=(2000000 10000000)
fi

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for n in "${SIZES[@]}"; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "ROWS must be positive integers, got '$n'"
done
[[ ${BASH_VERSINFO[0]} -ge 5 ]] || die "bash >= 5 needed (EPOCHREALTIME)"

# ---- prerequisites ---------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 not found"
if [ "$MODE" = full ] && ! python3 -c 'import duckdb' 2>/dev/null; then
    log "installing the duckdb Python package"
    python3 -m pip install --quiet duckdb || die "pip install duckdb failed"
fi
if [ ! -x /usr/bin/time ]; then
    log "installing GNU time"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get install -y time >/dev/null 2>&1 \
        || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y time >/dev/null; } \
        || die "could not install GNU time (/usr/bin/time)"
fi

log "building ccm and the csv_parse and floor examples (release)"
cargo build --release --quiet
cargo build --release --quiet --example csv_parse --example floor
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CCM=$TARGET/release/ccm
PARSE=$TARGET/release/examples/csv_parse
FLOOR=$TARGET/release/examples/floor
[ -x "$CCM" ] && [ -x "$PARSE" ] && [ -x "$FLOOR" ] || die "release binaries missing"

mkdir -p "$BENCH"
TMP=$(mktemp -d "$BENCH/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The DuckDB driver: fill the placeholders, run the SQL in an in-memory database.
DUCK_PY='
import sys, duckdb
sql_path, data, out, chronic, roles = sys.argv[1:6]
sql = open(sql_path).read()
for k, v in (("@DATA@", data), ("@OUT@", out), ("@CHRONIC@", chronic), ("@ROLES@", roles)):
    sql = sql.replace(k, v)
duckdb.connect().execute(sql)
'

# measure NAME CMD... : runs CMD $RUNS times (stdout/stderr to $TMP/NAME.*), sets
# M_WALL (median wall seconds, from bash's EPOCHREALTIME) and M_RSS (max peak RSS, KiB,
# from GNU time %M over the runs). A failing run aborts the benchmark.
measure() {
    local name=$1; shift
    local walls=() rss=0 i t0 t1 r
    for ((i = 1; i <= RUNS; i++)); do
        [ -n "${PRE_RUN:-}" ] && eval "$PRE_RUN"
        t0=$EPOCHREALTIME
        if ! /usr/bin/time -f '%e %M' -o "$TMP/$name.time" "$@" \
            >"$TMP/$name.out" 2>"$TMP/$name.err"; then
            cat "$TMP/$name.err" >&2
            die "$name failed (run $i): $*"
        fi
        t1=$EPOCHREALTIME
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
        r=$(awk 'END { print $2 }' "$TMP/$name.time")
        ((r > rss)) && rss=$r
    done
    M_WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    M_RSS=$rss
    log "  $name: runs ${walls[*]} s -> median $M_WALL s, peak RSS $((rss / 1024)) MB"
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0.001) d = 0.001; printf "%.3f", d }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
verdict() { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN {
    if (v == "n/a") { print "?"; exit }
    ok = (op == "le") ? (v + 0 <= lim + 0) : 0; print (ok ? "ok" : "MISS") }'; }

prepare_data() { # ROWS: sets DATA, PATIENTS, SIZE_MB
    local ROWS=$1 WANT HAVE
    PATIENTS=$((ROWS / 20))
    ((PATIENTS < 100000)) && PATIENTS=100000
    ((PATIENTS > 1000000)) && PATIENTS=1000000
    DATA=$BENCH/data-r$ROWS-p$PATIENTS-s$SEED
    WANT=$(python3 -c '
import json, sys
print(json.dumps({"rows": int(sys.argv[1]), "patients": int(sys.argv[2]), "month": sys.argv[3],
    "seed": int(sys.argv[4]), "timed_share": float(sys.argv[5]),
    "nonclinical_share": float(sys.argv[6]), "rows_per_staff": 400,
    "generator": "benches/gen.py v3",
    "python": "%d.%d" % sys.version_info[:2]}, sort_keys=True))' \
        "$ROWS" "$PATIENTS" "$MONTH" "$SEED" "$TIMED_SHARE" "$NONCLINICAL_SHARE")
    HAVE=$(cat "$DATA/params.json" 2>/dev/null || true)
    if [ "$HAVE" = "$WANT" ] && [ -s "$DATA/timelog.csv" ]; then
        log "reusing $DATA"
    else
        log "generating $ROWS rows / $PATIENTS patients into $DATA"
        rm -rf "$DATA"
        python3 "$ROOT/benches/gen.py" --rows "$ROWS" --patients "$PATIENTS" --month "$MONTH" \
            --seed "$SEED" --out "$DATA" --timed-share "$TIMED_SHARE" \
            --nonclinical-share "$NONCLINICAL_SHARE"
    fi
    SIZE_MB=$(du -m "$DATA/timelog.csv" | cut -f1)
    # Warm the page cache so every contender reads from memory.
    cat "$DATA"/*.csv >/dev/null

}

# The files --out writes (src/args.rs OUTPUTS), in name order.
OUT_FILES=(clean_claims.csv findings.csv findings.json held_claims.csv summary.json worklist.csv)

# sums DIR [FILE...]: one line "name sha256" per --out file (default: all of them), in name
# order; "name missing" for a file DIR does not hold.
sums() {
    local d=$1 f
    shift
    local files=("$@")
    ((${#files[@]})) || files=("${OUT_FILES[@]}")
    for f in "${files[@]}"; do
        if [ -f "$d/$f" ]; then
            printf '%s %s\n' "$f" "$(sha256sum "$d/$f" | cut -d' ' -f1)"
        else
            printf '%s missing\n' "$f"
        fi
    done
}

if [ "$MODE" = check ]; then
    SUMS=$ROOT/benches/checksums.txt
    got=""
    for ROWS in "${SIZES[@]}"; do
        prepare_data "$ROWS"
        OUT=$TMP/out-$ROWS
        "$CCM" audit "$DATA/timelog.csv" --as-of "$AS_OF" --quiet --fail-on never --out "$OUT"
        got+=$(sums "$OUT" | sed "s/^/$ROWS /")$'\n'
    done
    if [ -n "${BENCH_BLESS:-}" ]; then
        printf '%s' "$got" >"$SUMS"
        log "written $SUMS"
        exit 0
    fi
    printf '%s' "$got"
    want=$(grep -E "^($(IFS='|'; echo "${SIZES[*]}")) " "$SUMS" || true)
    if [ "$want" = "${got%$'\n'}" ]; then
        log "checksums match benches/checksums.txt"
        exit 0
    fi
    log "checksums DIFFER from benches/checksums.txt:"
    diff <(printf '%s\n' "$want") <(printf '%s' "$got") >&2 || true
    exit 1
fi

if [ "$MODE" = compare ]; then
    [ -x "$OLD_CCM" ] || die "not an executable: $OLD_CCM"
    ROWS_OUT=()
    for ROWS in "${SIZES[@]}"; do
        prepare_data "$ROWS"
        cat "$DATA"/*.csv >/dev/null
        declare -A WALLS=() PEAK=([old]=0 [new]=0)
        for ((i = 1; i <= RUNS; i++)); do
            # Alternate which binary goes first, so drift hits both alike.
            if ((i % 2)); then order=(old new); else order=(new old); fi
            for who in "${order[@]}"; do
                bin=$CCM
                [ "$who" = old ] && bin=$OLD_CCM
                OUT=$TMP/out-$who
                rm -rf "$OUT"
                t0=$EPOCHREALTIME
                /usr/bin/time -f '%e %M' -o "$TMP/$who.time" "$bin" audit "$DATA/timelog.csv" \
                    --as-of "$AS_OF" --quiet --fail-on never --out "$OUT" >/dev/null \
                    || die "$who failed"
                t1=$EPOCHREALTIME
                WALLS[$who]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
                r=$(awk 'END { print $2 }' "$TMP/$who.time")
                ((r > PEAK[$who])) && PEAK[$who]=$r
            done
        done
        med() { printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
        MO=$(med "${WALLS[old]}") MN=$(med "${WALLS[new]}")
        # The files both binaries write (an old one may write fewer); new ones are named.
        COMMON=() ADDED=()
        for f in "${OUT_FILES[@]}"; do
            if [ -f "$TMP/out-old/$f" ]; then COMMON+=("$f"); else ADDED+=("$f"); fi
        done
        SAME=$([ "$(sums "$TMP/out-old" "${COMMON[@]}")" = "$(sums "$TMP/out-new" "${COMMON[@]}")" ] && echo identical || echo DIFFER)
        ((${#ADDED[@]})) && SAME+=" (new only: ${ADDED[*]})"
        log "$ROWS rows: old ${WALLS[old]}| new ${WALLS[new]}"
        ROWS_OUT+=("| $ROWS | $MO | $MN | $(div "$MN" "$MO") | $(mb "${PEAK[old]}") | $(mb "${PEAK[new]}") | $SAME |")
        sums "$TMP/out-new" | sed "s/^/[bench] $ROWS new /" >&2
    done
    {
        echo "# ccm side by side: $OLD_CCM (old) vs $CCM (new)"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC') - ccm $(git rev-parse --short HEAD 2>/dev/null) - $RUNS interleaved runs each, median wall, max peak RSS"
        echo
        echo "| rows | old s | new s | new/old | old peak MB | new peak MB | outputs |"
        echo "|---:|---:|---:|---:|---:|---:|---|"
        printf '%s\n' "${ROWS_OUT[@]}"
    } | tee "$BENCH/compare.md"
    exit 0
fi

# Python + duckdb import overhead (measured once; subtracted for the "net" duckdb time).
log "measuring python3 -c 'import duckdb'"
measure import python3 -c 'import duckdb'
IMPORT_WALL=$M_WALL
IMPORT_RSS=$M_RSS

ROWS_OUT=()
for ROWS in "${SIZES[@]}"; do
    prepare_data "$ROWS"
    log "size $ROWS rows ($SIZE_MB MB time log), $RUNS runs each"
    measure parse "$PARSE" "$DATA/timelog.csv"
    got=$(head -n1 "$TMP/parse.out")
    [ "$got" = "$ROWS" ] || die "csv_parse counted $got records, expected $ROWS"
    P_WALL=$M_WALL P_RSS=$M_RSS

    # The least any audit must do: parse + minutes per patient, on two threads.
    measure floor "$FLOOR" "$DATA/timelog.csv" 2 interner
    got=$(head -n1 "$TMP/floor.out")
    [ "$got" = "$ROWS" ] || die "floor counted $got records, expected $ROWS"
    F_WALL=$M_WALL

    OUT_CCM=$BENCH/out-ccm-r$ROWS
    PRE_RUN="rm -rf '$OUT_CCM'"
    measure ccm "$CCM" audit "$DATA/timelog.csv" --as-of "$AS_OF" --quiet --fail-on never \
        --out "$OUT_CCM"
    [ -s "$OUT_CCM/clean_claims.csv" ] || die "ccm wrote no clean_claims.csv"
    C_WALL=$M_WALL C_RSS=$M_RSS

    OUT_DUCK=$BENCH/out-duckdb-r$ROWS.csv
    PRE_RUN="rm -f '$OUT_DUCK'"
    measure duckdb python3 -c "$DUCK_PY" "$SQL" "$DATA" "$OUT_DUCK" "$CHRONIC" "$ROLES"
    [ -s "$OUT_DUCK" ] || die "duckdb wrote no output"
    PRE_RUN=""
    D_WALL=$M_WALL D_RSS=$M_RSS
    D_NET=$(sub "$D_WALL" "$IMPORT_WALL")

    R_PARSE=$(div "$C_WALL" "$P_WALL")
    R_DUCK=$(div "$C_WALL" "$D_WALL")
    R_DUCK_NET=$(div "$C_WALL" "$D_NET")
    R_FLOOR_DUCK=$(div "$F_WALL" "$D_WALL")
    MEM_OK=$([ "$C_RSS" -le "$D_RSS" ] && echo ok || echo MISS)
    ROWS_OUT+=("| $ROWS | $PATIENTS | $SIZE_MB | $P_WALL | $C_WALL | $D_WALL | $D_NET | $R_PARSE $(verdict "$R_PARSE" 2.0 le) | $R_DUCK $(verdict "$R_DUCK" 0.33 le) | $R_DUCK_NET $(verdict "$R_DUCK_NET" 0.33 le) | $(mb "$C_RSS") $MEM_OK | $(mb "$D_RSS") | $(mb "$P_RSS") | $F_WALL | $R_FLOOR_DUCK |")
done

GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo " (src modified)" || true)
CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
DUCK_V=$(python3 -c 'import duckdb; print(duckdb.__version__)')
{
    echo "# ccm benchmark results"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC') - ccm $GIT_REV$GIT_DIRTY - $(rustc --version 2>/dev/null) - duckdb $DUCK_V (python $(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])'))"
    echo "$(nproc) CPUs ($CPU), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; median of $RUNS runs, peak RSS = max over runs; seed $SEED, month $MONTH, --as-of $AS_OF"
    echo
    echo "| rows | patients | log MB | parse s | ccm s | duckdb s | duckdb net s | ccm/parse (goal <= 2.0) | ccm/duckdb (goal <= 0.33) | ccm/duckdb net | ccm peak MB (goal <= duckdb) | duckdb peak MB | parse peak MB | floor s | floor/duckdb |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS_OUT[@]}"
    echo
    echo "python3 -c 'import duckdb' alone: $IMPORT_WALL s, $(mb "$IMPORT_RSS") MB peak; \"duckdb net s\" = duckdb s - that import time."
    echo "duckdb peak MB is the whole python3 process (interpreter + duckdb + query)."
    echo "floor s: examples/floor.rs, the parse split over two threads plus minutes summed per patient"
    echo "(ccm's interner), nothing else: the least work of any audit, done as ccm does it. floor/duckdb"
    echo "above 0.33 means the ccm/duckdb goal is below what parsing and grouping alone cost here."
} | tee "$BENCH/results.md"
log "written $BENCH/results.md"
