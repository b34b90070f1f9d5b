#!/usr/bin/env bash
# Used by `make bench` only: make sure PostgreSQL (role app/app, SUPERUSER) and Redis answer on loopback,
# installing and starting them if needed. The logic is borrowed from .ci/run (Debian 12, root, no systemd);
# it does not run tests and does not touch the `app` database.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
SERVICE_TIMEOUT="${SERVICE_TIMEOUT:-60}"

die() {
    echo "bench: ERROR: $*" >&2
    exit 1
}

apt_updated=0
apt_install() {
    [[ "$(id -u)" == 0 ]] || die "missing packages ($*) and not root: install them first"
    if ((!apt_updated)); then
        apt-get -o DPkg::Lock::Timeout=300 update
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"
}

# wait_for DESCRIPTION COMMAND...: retry COMMAND every 0.5 s until it succeeds or SERVICE_TIMEOUT passes.
wait_for() {
    local what="$1" deadline=$((SECONDS + SERVICE_TIMEOUT))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "$what did not become ready within ${SERVICE_TIMEOUT}s (check: $*)"
        sleep 0.5
    done
    echo "bench: $what is ready"
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
redis_pong() { [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }
app_login() { PGPASSWORD=app psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U app -d postgres -tAc "SELECT 1"; }

missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_isready >/dev/null 2>&1 || missing+=(postgresql-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
    echo "bench: installing ${missing[*]}"
    apt_install "${missing[@]}"
fi

# --- PostgreSQL: the Debian cluster, started if it is not running.
if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && app_login >/dev/null 2>&1; then
    echo "bench: PostgreSQL already answers on $PG_HOST:$PG_PORT as app"
else
    pg_version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$pg_version" ]]; then
        pg_version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
        [[ -n "$pg_version" ]] || die "PostgreSQL is installed but no version was found under /usr/lib/postgresql"
    fi
    [[ -d "/etc/postgresql/$pg_version/main" ]] || pg_createcluster "$pg_version" main
    if ! pg_ctlcluster "$pg_version" main status >/dev/null 2>&1; then
        echo "bench: starting cluster $pg_version/main"
        pg_ctlcluster "$pg_version" main start || echo "bench: pg_ctlcluster start returned $? (checking anyway)"
    fi
    wait_for "PostgreSQL on $PG_HOST:$PG_PORT" pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
    # Role app/app, SUPERUSER (as .ci/run): the bench drops and creates its own database `bench`.
    psql_admin -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
            CREATE ROLE app LOGIN PASSWORD 'app' SUPERUSER;
        ELSE
            ALTER ROLE app LOGIN PASSWORD 'app' SUPERUSER;
        END IF;
    END \$\$;" || die "could not create or update role app"
    app_login >/dev/null || die "cannot log in to PostgreSQL as app/app on $PG_HOST:$PG_PORT"
    echo "bench: role app is ready"
fi

# --- Redis (issue 9: the API measurements use it; the sweep does not).
if redis_pong; then
    echo "bench: Redis already answers on $REDIS_HOST:$REDIS_PORT"
else
    echo "bench: starting redis-server on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no \
        || die "redis-server failed to start"
    wait_for "Redis on $REDIS_HOST:$REDIS_PORT" redis_pong
fi
