#!/usr/bin/env bash
# Offline checks of the deployment artefacts (deploy/, dashboards/):
#   1. promtool: check rules, test rules, check config
#   2. Kubernetes manifests against the Kubernetes OpenAPI schemas (kubernetes-models)
#      plus TypeScript excess-property checks (misspelt keys)
#   3. kustomization: referenced files exist, generator file = config/default.yaml,
#      and (if kubectl is installed) `kubectl kustomize` renders and validates
#   4. Grafana dashboard type-checks against @grafana/schema (tsc --noEmit)
#   5. check-configmap.sh; systemd unit verifies (if systemd-analyze exists)
# Needs: Debian's prometheus package (installed if missing), node >= 20 and npm
# with access to the npm registry the first time (cached in $NODE_CACHE).
# Prints `deploy: N passed, M failed` and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
NODE_CACHE=${NODE_CACHE:-$ROOT/build/node}
pass=0 fail=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
bad()  { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check NAME CMD...: run CMD, show its output on failure
    local name=$1 out; shift
    if out=$("$@" 2>&1); then ok "$name"; else bad "$name"; printf '%s\n' "$out" | sed 's/^/    /' | head -40; fi
}

# ---- tools -------------------------------------------------------------------
if ! command -v promtool >/dev/null; then
    echo "deploy: installing Debian prometheus (promtool)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
node_ready=0
mkdir -p "$NODE_CACHE"
if cmp -s tests/deploy/package-lock.json "$NODE_CACHE/.installed-lock" && [ -d "$NODE_CACHE/node_modules" ]; then
    node_ready=1
else
    cp tests/deploy/package.json tests/deploy/package-lock.json "$NODE_CACHE/"
    if (cd "$NODE_CACHE" && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
        cp tests/deploy/package-lock.json "$NODE_CACHE/.installed-lock"; node_ready=1
    else
        bad "npm ci in $NODE_CACHE (see $NODE_CACHE/npm.log)"; tail -5 "$NODE_CACHE/npm.log"
    fi
fi
TSC=$NODE_CACHE/node_modules/.bin/tsc
tsc_check() { # tsc_check FILE.ts: type-check one generated file
    cat >"$NODE_CACHE/tsconfig.json" <<JSON
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "esnext", "moduleResolution": "bundler",
  "target": "es2022", "skipLibCheck": true, "types": [] }, "files": ["$1"] }
JSON
    "$TSC" -p "$NODE_CACHE/tsconfig.json"
}
GEN=$NODE_CACHE/gen
rm -rf "$GEN"; mkdir -p "$GEN"

# ---- 1. Prometheus -------------------------------------------------------------
if command -v promtool >/dev/null; then
    check "promtool check rules recording_rules.yml alerting_rules.yml" \
        promtool check rules deploy/prometheus/recording_rules.yml deploy/prometheus/alerting_rules.yml
    check "promtool test rules deploy/prometheus/tests/*.yml" \
        promtool test rules deploy/prometheus/tests/*.yml
    # Debian's prometheus is built without Kubernetes service discovery: if its
    # promtool rejects kubernetes_sd_configs, check a copy in which each
    # kubernetes_sd_configs is replaced by a static target (relabel_configs and
    # everything else are still checked).
    if out=$(promtool check config deploy/prometheus/prometheus.yml 2>&1); then
        ok "promtool check config prometheus.yml"
    elif grep -q 'kubernetes_sd_configs not found' <<<"$out" && [ $node_ready = 1 ]; then
        cp deploy/prometheus/*.yml "$GEN/"
        if NODE_PATH="" node -e '
            const y = require(process.argv[1] + "/node_modules/js-yaml"), fs = require("fs");
            const f = process.argv[2], c = y.load(fs.readFileSync(f, "utf8"));
            for (const s of c.scrape_configs || []) if (s.kubernetes_sd_configs) {
                delete s.kubernetes_sd_configs; s.static_configs = [{ targets: ["kubernetes-sd.invalid:9435"] }]; }
            fs.writeFileSync(f, y.dump(c));' "$NODE_CACHE" "$GEN/prometheus.yml" \
           && out2=$(promtool check config "$GEN/prometheus.yml" 2>&1); then
            ok "promtool check config prometheus.yml (kubernetes_sd_configs replaced: this promtool lacks Kubernetes SD)"
        else
            bad "promtool check config prometheus.yml"; printf '%s\n%s\n' "$out" "${out2:-}" | sed 's/^/    /'
        fi
    else
        bad "promtool check config prometheus.yml"; printf '%s\n' "$out" | sed 's/^/    /'
    fi
else
    bad "promtool not available"
fi

# ---- 2. Kubernetes manifests ------------------------------------------------------
mapfile -t manifests < <(find deploy/kubernetes -name '*.yaml' ! -name kustomization.yaml ! -name config.yaml | sort)
if [ $node_ready = 1 ]; then
    check "Kubernetes schemas: ${manifests[*]}" \
        node tests/deploy/validate-k8s.mjs --modules "$NODE_CACHE" --ts-out "$GEN/k8s.ts" "${manifests[@]}"
    if [ -s "$GEN/k8s.ts" ]; then
        check "Kubernetes manifests: no unknown fields (tsc)" tsc_check gen/k8s.ts
    fi
    # A document of an unknown kind must be rejected.
    printf 'apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: {name: x}\n' >"$GEN/unknown.yaml"
    check "Kubernetes validator rejects an unknown kind" \
        bash -c '! node tests/deploy/validate-k8s.mjs --modules "$1" "$2"' _ "$NODE_CACHE" "$GEN/unknown.yaml"
fi

# ---- 3. kustomization -----------------------------------------------------------
kust_refs() { # files named by resources:, configMapGenerator files:, patches path:
    awk '
        /^[a-zA-Z]/ { sect = $1 }
        /^[[:space:]]*#/ { next }
        sect == "resources:" && /^[[:space:]]*- / { sub(/^[[:space:]]*- /, ""); sub(/[[:space:]]*#.*/, ""); print; next }
        /^[[:space:]]*files:/ { infiles = 1; next }
        infiles && /^[[:space:]]*- / { f = $0; sub(/^[[:space:]]*- /, "", f); sub(/[[:space:]]*#.*/, "", f); sub(/^[^=]*=/, "", f); print f; next }
        infiles && !/^[[:space:]]*- / { infiles = 0 }
        /^[[:space:]]*path:/ && sect == "patches:" { p = $2; print p }
    ' deploy/kubernetes/kustomization.yaml
}
missing=""
refs=$(kust_refs)
for f in $refs; do [ -f "deploy/kubernetes/$f" ] || missing="$missing $f"; done
if [ -z "$refs" ]; then bad "kustomization: no references parsed"
elif [ -n "$missing" ]; then bad "kustomization references missing files:$missing"
else ok "kustomization references only existing files ($(echo $refs))"; fi
gen_files=$(awk '/^[[:space:]]*files:/{f=1;next} f&&/^[[:space:]]*- /{x=$0;sub(/^[[:space:]]*- /,"",x);sub(/[[:space:]]*#.*/,"",x);sub(/^[^=]*=/,"",x);print x;next} f{f=0}' deploy/kubernetes/kustomization.yaml)
if [ "$gen_files" = "config.yaml" ] && cmp -s deploy/kubernetes/config.yaml config/default.yaml; then
    ok "configMapGenerator file config.yaml = config/default.yaml"
else
    bad "configMapGenerator files ($gen_files) must be config.yaml, identical to config/default.yaml"
fi
if command -v kubectl >/dev/null && [ $node_ready = 1 ]; then
    if kubectl kustomize deploy/kubernetes >"$GEN/rendered.yaml" 2>"$GEN/rendered.err"; then
        check "kubectl kustomize deploy/kubernetes renders and validates" \
            node tests/deploy/validate-k8s.mjs --modules "$NODE_CACHE" "$GEN/rendered.yaml"
    else
        bad "kubectl kustomize deploy/kubernetes"; sed 's/^/    /' "$GEN/rendered.err"
    fi
else
    echo "SKIP: kubectl kustomize (no kubectl)"
fi

# ---- 4. Grafana dashboard ---------------------------------------------------------
if [ $node_ready = 1 ]; then
    # Lit<T> turns the schema's string enums (nominal in TypeScript) into the
    # union of their values, as they appear in JSON; object literals keep their
    # excess-property checks, so a misspelt or misplaced key fails.
    for d in dashboards/*.json; do
        ts="$GEN/$(basename "$d" .json).ts"
        {
            echo 'import type { Dashboard } from "@grafana/schema";'
            echo 'type Lit<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Lit<U>[] : T extends object ? { [K in keyof T]: Lit<T[K]> } : T;'
            printf 'export const dashboard = ('; cat "$d"; echo ') satisfies Lit<Dashboard>;'
        } >"$ts"
        check "Grafana schema (tsc): $d" tsc_check "gen/$(basename "$ts")"
    done
    check "dashboard: schemaVersion 39, \${datasource} variable, node/instance variables, uid" node -e '
        const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const v = Object.fromEntries(d.templating.list.map((x) => [x.name, x]));
        const bad = [];
        if (d.schemaVersion !== 39) bad.push("schemaVersion");
        if (v.datasource?.type !== "datasource" || v.datasource?.query !== "prometheus") bad.push("datasource variable");
        for (const n of ["node", "instance"]) if (!/label_values\(ftrace_exporter_build_info/.test(JSON.stringify(v[n]?.query))) bad.push(n + " variable");
        const walk = (ps) => ps.flatMap((p) => [p, ...walk(p.panels || [])]);
        for (const p of walk(d.panels)) {
            if (p.type === "row") continue;
            if (p.datasource?.uid !== "${datasource}") bad.push("panel " + p.id + " datasource");
            for (const t of p.targets || []) if (!t.expr) bad.push("panel " + p.id + " target without expr");
        }
        if (bad.length) { console.error(bad.join("\n")); process.exit(1); }' dashboards/ftrace_exporter.json
fi

# ---- 5. config copy, systemd ------------------------------------------------------
check "check-configmap.sh" tests/deploy/check-configmap.sh
if command -v systemd-analyze >/dev/null; then
    # The binary need not be installed here: verify a copy pointing at /bin/true.
    sed 's#/usr/local/bin/ftrace_exporter#/bin/true#' deploy/systemd/ftrace_exporter.service >"$GEN/ftrace_exporter.service"
    check "systemd-analyze verify ftrace_exporter.service" systemd-analyze verify "$GEN/ftrace_exporter.service"
else
    echo "SKIP: systemd-analyze verify (not installed)"
fi

echo "deploy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
