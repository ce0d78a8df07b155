#!/usr/bin/env bash
# Starts a private one-node Slurm (munge + slurmctld + slurmd on this host) for tests.
# Everything Slurm writes (slurm.conf, state, spool, logs, pidfiles) lives under DIR; the
# system-wide /etc/slurm/slurm.conf is left alone. munged is the system one: reused when it
# already answers, else started here (and then stopped again by slurm-down.sh).
#
# Usage: scripts/cluster/slurm-up.sh DIR
#   On success prints one line on stdout, for callers to eval:
#     export SLURM_CONF=DIR/slurm.conf
#   Everything else goes to stderr. Stop it with scripts/cluster/slurm-down.sh DIR.
# Environment (all optional):
#   SLURM_UP_TIMEOUT   seconds to wait for the node to become idle (default 60)
#   SLURM_UP_CTLD_PORT / SLURM_UP_SLURMD_PORT   fixed ports (default: first free from 6817 on)
# Needs root and the packages slurm-wlm and munge (scripts/install-deps.sh installs them).
set -euo pipefail

me="slurm-up.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "$me: error: $*" >&2; exit 1; }
log() { echo "$me: $*" >&2; }

[ "$#" -eq 1 ] || { echo "usage: $me DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmctld/slurmd run as SlurmUser=root and munged is started with runuser)"

missing=()
for tool in slurmctld slurmd sinfo scontrol sbatch squeue munged munge unmunge mungekey; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] || die "missing programs: ${missing[*]}; install the cluster packages with scripts/install-deps.sh"
export PATH="$PATH:/usr/sbin:/sbin"

mkdir -p "$1"
dir="$(cd "$1" && pwd -P)"
# slurmd puts the unix sockets of job steps in the spool dir; sun_path is limited to 108 bytes.
[ "${#dir}" -le 70 ] || die "DIR '$dir' is too long (${#dir} > 70 characters; slurmd's step sockets live under it)"
conf="$dir/slurm.conf"
timeout="${SLURM_UP_TIMEOUT:-60}"

tail_logs() {
  local f
  for f in "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/log/slurmctld.out" "$dir/log/slurmd.out"; do
    if [ -s "$f" ]; then
      echo "----- last lines of $f -----" >&2
      tail -n 30 "$f" >&2
    fi
  done
}

# --- 1. an old cluster of this DIR still running: stop it (state is cleared below) -----------
if [ -f "$dir/slurmctld.pid" ] || [ -f "$dir/slurmd.pid" ] || [ -f "$dir/pids" ]; then
  log "stopping the previous cluster in $dir"
  "$here/slurm-down.sh" "$dir" >&2
fi

# --- 2. munge ----------------------------------------------------------------------------------
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_ok; then
  log "munged already running; reusing it"
else
  id munge >/dev/null 2>&1 || die "user 'munge' missing; run scripts/install-deps.sh"
  key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    log "creating $key"
    install -d -o munge -g munge -m 0700 /etc/munge
    mungekey --create --keyfile="$key" >&2 || die "mungekey --create failed"
  fi
  chown munge:munge "$key"
  chmod 0400 "$key"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  # A munged that died uncleanly leaves its socket and lock behind: --force takes them over.
  log "starting munged"
  # --num-threads=10: what Slurm's clients ask for when munge is busy.
  runuser -u munge -- /usr/sbin/munged --force --num-threads=10 >&2 || {
    tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true
    die "munged failed to start"
  }
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  munge_ok || { tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true; die "munged started but 'munge -n | unmunge' fails"; }
  cat /run/munge/munged.pid > "$dir/munged.started" 2>/dev/null || echo unknown > "$dir/munged.started"
fi

# --- 3. slurm.conf -----------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { # first port >= $1 that nobody listens on and is not $2
  local p="$1"
  while [ "$p" -lt $(( $1 + 200 )) ]; do
    if [ "$p" != "${2:-}" ] && port_free "$p"; then echo "$p"; return 0; fi
    p=$((p + 1))
  done
  return 1
}
ctld_port="${SLURM_UP_CTLD_PORT:-$(pick_port 6817)}" || die "no free port for slurmctld"
slurmd_port="${SLURM_UP_SLURMD_PORT:-$(pick_port 6818 "$ctld_port")}" || die "no free port for slurmd"

host="$(hostname -s)"
[ -n "$host" ] || die "hostname -s is empty"
# GNU nproc honours OMP_NUM_THREADS, which Dask sets to 1 in the calling process: count the CPUs
# this process may use.
cpus="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
real_mem=1000
[ "$mem_mb" -gt 0 ] && [ "$mem_mb" -lt "$real_mem" ] && real_mem="$mem_mb"

# A fresh cluster every time: no jobs or node state from an earlier run in this DIR.
rm -rf "$dir/state" "$dir/spool" "$dir/log"
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/pids"

cat > "$conf" <<EOF
# Written by scripts/cluster/slurm-up.sh: a private one-node test cluster.
ClusterName=pstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
# Finished jobs stay visible to 'scontrol show job' for an hour (no accounting here).
MinJobAge=3600
InactiveLimit=0
KillWait=5
Waittime=0
# A job whose dependency can never be met (afterok on a failed job) is cancelled, not left pending.
# (Slurm 22.05 reads kill_invalid_depend from DependencyParameters, not SchedulerParameters.)
DependencyParameters=kill_invalid_depend
# Fast turnaround for tests: no batch_sched_delay (default 3 s), a scheduler pass every 2 s.
SchedulerParameters=batch_sched_delay=0,sched_interval=2,sched_min_interval=0
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
# An empty plugstack keeps the system's SPANK plugins out of this cluster.
: > "$dir/plugstack.conf"

# --- 4. daemons --------------------------------------------------------------------------------
export SLURM_CONF="$conf"

# Alive = exists and is not a zombie (PID 1 here may be slow to reap, and kill -0 succeeds on zombies).
alive() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

wait_pidfile() { # $1 pidfile, $2 name
  for _ in $(seq 100); do
    [ -s "$1" ] && alive "$(tr -dc 0-9 < "$1")" && return 0
    # A daemon that hit a fatal error (port in use, bad config) never writes its pidfile.
    if grep -qs 'fatal:' "$dir/log/$2.log" "$dir/log/$2.out"; then break; fi
    sleep 0.1
  done
  tail_logs
  die "$2 did not start (no live PID in $1); see $dir/log"
}

log "starting slurmctld (port $ctld_port)"
slurmctld -f "$conf" -i >"$dir/log/slurmctld.out" 2>&1 || { tail_logs; die "slurmctld failed to start"; }
wait_pidfile "$dir/slurmctld.pid" slurmctld
ctld_pid="$(cat "$dir/slurmctld.pid")"
echo "slurmctld $ctld_pid" > "$dir/pids"

log "starting slurmd (port $slurmd_port)"
slurmd -f "$conf" -N "$host" >"$dir/log/slurmd.out" 2>&1 || { tail_logs; die "slurmd failed to start"; }
wait_pidfile "$dir/slurmd.pid" slurmd
echo "slurmd $(cat "$dir/slurmd.pid")" >> "$dir/pids"

# --- 5. wait for the node to become idle -------------------------------------------------------
deadline=$(( SECONDS + timeout ))
state=""
while :; do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null | head -n 1 || true)"
  [ "$state" = idle ] && break
  while read -r name pid; do
    alive "$pid" || { tail_logs; die "$name (PID $pid) exited while waiting for node $host"; }
  done < "$dir/pids"
  if [ "$SECONDS" -ge "$deadline" ]; then
    tail_logs
    die "node $host not idle after ${timeout}s (sinfo state: '${state:-none}'); logs in $dir/log"
  fi
  sleep 0.2
done
log "node $host is $state ($cpus CPUs); SLURM_CONF=$conf"
echo "export SLURM_CONF=$conf"
