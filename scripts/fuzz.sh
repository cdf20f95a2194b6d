#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a while each and fails if any of them finds a crash,
# a timeout or runaway memory. Run it before a release; it is not part of CI.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=1800 scripts/fuzz.sh    # 30 minutes each
#   FUZZ_TARGETS="yaml json" scripts/fuzz.sh
#   scripts/fuzz.sh --seed-only          # fill fuzz/corpus/ and stop
#
# Each target's corpus is fuzz/corpus/<target> (gitignored). It is seeded at run time from
# ../shared/corpora (test suites and real manifests; nothing is copied into the repository)
# and from small hand-written seeds below, then kept between runs so later runs start where
# earlier ones stopped. Crashing inputs land in fuzz/artifacts/<target>/; reproduce one with
# `cargo +nightly fuzz run <target> <file>` and shrink it with `cargo +nightly fuzz tmin`.
#
# Environment:
#   FUZZ_SECONDS    time per target (default 60)
#   FUZZ_TARGETS    targets to run (default: all of `cargo fuzz list`)
#   FUZZ_SANITIZER  cargo-fuzz sanitizer (default none: the code forbids `unsafe`, and
#                   without ASan the targets run about twice as fast; use `address` to
#                   check the dependencies' unsafe code too)
#   FUZZ_SEED_MAX   largest seed file taken from the corpora, in bytes (default 16384)
#   SHARED          the shared data directory (default ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-none}
seed_max=${FUZZ_SEED_MAX:-16384}
shared=${SHARED:-$root/../shared}
corpora=$shared/corpora
dict=$root/fuzz/k8s.dict

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs nightly Rust and cargo-fuzz (cargo install cargo-fuzz)" >&2
    exit 2
fi
if [[ ! -d $corpora ]]; then
    echo "fuzz.sh: warning: $corpora not found; seeding from the hand-written seeds only" >&2
fi

# add <target> <prefix-byte-as-printf-escape> <file>...: copies each file, with the prefix
# (the `check` target reads its first byte as the file name), into the corpus, named by hash.
add() {
    local target=$1 prefix=$2
    shift 2
    local dir=$root/fuzz/corpus/$target f tmp
    mkdir -p "$dir"
    tmp=$(mktemp)
    for f in "$@"; do
        { printf "$prefix"; cat "$f"; } >"$tmp"
        cp "$tmp" "$dir/seed-$(sha1sum "$tmp" | cut -c1-16)"
    done
    rm -f "$tmp"
}

# seed_text <target> <string>...: one seed per string.
seed_text() {
    local target=$1 s tmp
    shift
    mkdir -p "$root/fuzz/corpus/$target"
    tmp=$(mktemp)
    for s in "$@"; do
        printf '%s' "$s" >"$tmp"
        cp "$tmp" "$root/fuzz/corpus/$target/seed-$(sha1sum "$tmp" | cut -c1-16)"
    done
    rm -f "$tmp"
}

# Files under the corpora matching find(1) arguments, at most FUZZ_SEED_MAX bytes.
corpus_files() {
    [[ -d $corpora ]] || return 0
    find "$corpora" -type f -size -"$((seed_max + 1))"c "$@" -print0
}

# Real manifests, without most of the 4.5k near-identical pod-security-admission pods.
manifests() {
    corpus_files \( -name '*.yaml' -o -name '*.yml' -o -name '*.golden' \) \
        -not -path '*/yaml-test-suite/*' \
        \( -not -path '*/pod-security-admission/*' -o -path '*/v1.37/*' \)
}

seed_yaml() {
    local files=()
    mapfile -d '' files < <(corpus_files -path '*/yaml-test-suite/*' -name in.yaml; manifests)
    add yaml '' "${files[@]}"
}

seed_json() {
    local files=()
    mapfile -d '' files < <(corpus_files -name '*.json')
    add json '' "${files[@]}"
    seed_text json '{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}}]}' \
        '{"a":1}{"a":2}' '[1, 2.5, -0, 1e400, 9223372036854775808, "\u00e9\ud800", true, null]'
}

seed_quantity() {
    local values=()
    if [[ -d $corpora ]]; then
        # The values of resource keys in the real manifests.
        mapfile -t values < <(manifests | xargs -0 grep -hoE \
            '^\s*(cpu|memory|storage|ephemeral-storage|nvidia.com/gpu|pods):\s*"?[-+0-9.eEinumkKMGTP]+' \
            2>/dev/null | sed -E 's/^[^:]*:\s*"?//' | sort -u | head -500 || true)
    fi
    seed_text quantity "${values[@]}" 100Mi 1Gi 500m 1.5e3 0.1m 1e-9 1E+6 2Ki 9Ei \
        9999999999999Ei 1e29 1e30 -1.5 +.5Ki . Gi e-10 1e4294967296 "$(printf '0.%0300d1' 0)" \
        $'100Mi 1Gi\n250m\n-9Ei' $'170141183460469231731687303715884105727n\n1n'
}

seed_selector() {
    local files=()
    mapfile -d '' files < <(manifests | xargs -0 grep -lZE 'selector|Selector' 2>/dev/null || true)
    add selector '' "${files[@]}"
    seed_text selector \
        $'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  selector:\n    matchLabels:\n      app: web\n    matchExpressions:\n    - key: tier\n      operator: In\n      values: [api, web]\n  template:\n    metadata:\n      labels:\n        app: web\n        tier: api\n' \
        $'kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {x: y}}\n      podSelector: {matchExpressions: [{key: a, operator: Exists}]}\n' \
        $'kind: Service\napiVersion: v1\nmetadata: {name: s}\nspec:\n  selector: {app: web, "example.com/x": ""}\n' \
        $'example.com/name\n-bad-\nin\nNotIn\n'
}

seed_check() {
    local files=()
    mapfile -d '' files < <(corpus_files -path '*/yaml-test-suite/*' -name in.yaml; manifests)
    add check '\000' "${files[@]}"   # x.yaml
    mapfile -d '' files < <(corpus_files -name '*.json' -not -path '*/insights-operator/*')
    add check '\001' "${files[@]}"   # x.json
    mapfile -d '' files < <(corpus_files -path '*/insights-operator/*/config/pod/*' -name '*.json')
    add check '\003' "${files[@]}"   # config/pod/default/x.json
}

targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
failed=()
for t in $targets; do
    echo "== seeding $t"
    "seed_$t"
    [[ ${1:-} == --seed-only ]] && continue
    echo "== fuzzing $t for ${seconds}s ($(find "fuzz/corpus/$t" -type f | wc -l) inputs)"
    if ! cargo +nightly fuzz run --sanitizer "$sanitizer" "$t" -- \
        -max_total_time="$seconds" -dict="$dict" -rss_limit_mb=4096 -timeout=30 \
        -print_final_stats=1; then
        failed+=("$t")
    fi
done

if [[ ${1:-} == --seed-only ]]; then
    echo "fuzz.sh: seeded fuzz/corpus/"
    exit 0
fi
if ((${#failed[@]})); then
    echo "fuzz.sh: crashes in: ${failed[*]}; inputs in fuzz/artifacts/<target>/" >&2
    exit 1
fi
echo "fuzz.sh: no crashes"
