#!/usr/bin/env bash
# Stops the private Slurm cluster that scripts/cluster/slurm-up.sh started in DIR: cancels its
# jobs, stops slurmd and slurmctld by their recorded PIDs (SIGTERM, then SIGKILL after a bounded
# wait), ends leftover slurmstepd processes of that cluster, and stops munged only when
# slurm-up.sh started it. Idempotent: a DIR with nothing running is fine.
#
# Usage: scripts/cluster/slurm-down.sh DIR
# Environment: SLURM_DOWN_TIMEOUT  seconds to wait for each daemon after SIGTERM (default 15)
set -uo pipefail

me="slurm-down.sh"
log() { echo "$me: $*" >&2; }

[ "$#" -eq 1 ] || { echo "usage: $me DIR" >&2; exit 2; }
if [ ! -d "$1" ]; then
  log "$1: no such directory; nothing to stop"
  exit 0
fi
dir="$(cd "$1" && pwd -P)"
conf="$dir/slurm.conf"
timeout="${SLURM_DOWN_TIMEOUT:-15}"
export PATH="$PATH:/usr/sbin:/sbin"

# PID of a live process called $2 (comm), from pidfile $1 or from the "name pid" list in
# DIR/pids (slurm-up.sh's record: the daemons delete their pidfiles when they exit).
live_pid() {
  local pid=""
  [ -s "$1" ] && pid="$(tr -dc 0-9 < "$1")"
  if [ -z "$pid" ] && [ -f "$dir/pids" ]; then
    pid="$(awk -v n="$2" '$1 == n {print $2}' "$dir/pids" | tail -n 1)"
  fi
  [ -n "$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && alive "$pid" || return 1
  echo "$pid"
}

# Alive = exists and is not a zombie (here PID 1 may not reap the daemons' double-fork parents,
# and a daemon that exits after its parent died can stay a zombie: kill -0 still succeeds).
alive() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

stop_pid() { # $1 pid, $2 name
  local pid="$1" name="$2" end
  kill -TERM "$pid" 2>/dev/null || return 0
  end=$(( SECONDS + timeout ))
  while alive "$pid" && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
  if alive "$pid"; then
    log "$name (PID $pid) still running after ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  fi
  log "stopped $name (PID $pid)"
}

# Read both PIDs before killing anything.
ctld_pid="$(live_pid "$dir/slurmctld.pid" slurmctld || true)"
slurmd_pid="$(live_pid "$dir/slurmd.pid" slurmd || true)"

# Cancel what is still queued or running, so no job outlives the cluster.
if [ -n "$ctld_pid" ] && [ -f "$conf" ] && command -v scancel >/dev/null 2>&1; then
  if [ -n "$(SLURM_CONF="$conf" timeout 10 squeue -h -o %i 2>/dev/null)" ]; then
    log "cancelling remaining jobs"
    SLURM_CONF="$conf" timeout 10 scancel --full --quiet --user=root 2>/dev/null
    SLURM_CONF="$conf" timeout 10 scancel --full --quiet 2>/dev/null
    for _ in $(seq 50); do
      [ -z "$(SLURM_CONF="$conf" timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
fi

[ -n "$slurmd_pid" ] && stop_pid "$slurmd_pid" slurmd
[ -n "$ctld_pid" ] && stop_pid "$ctld_pid" slurmctld

# slurmstepd processes of this cluster (they inherit SLURM_CONF from slurmd) outlive slurmd.
for p in /proc/[0-9]*; do
  if [ "$(cat "$p/comm" 2>/dev/null)" != slurmstepd ] || ! alive "${p#/proc/}"; then continue; fi
  if tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
    log "killing leftover slurmstepd ${p#/proc/}"
    kill -KILL "${p#/proc/}" 2>/dev/null
  fi
done

rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/pids"

# munged: only when slurm-up.sh started it for this DIR.
if [ -f "$dir/munged.started" ]; then
  mpid="$(tr -dc 0-9 < "$dir/munged.started")"
  [ -n "$mpid" ] || mpid="$(tr -dc 0-9 < /run/munge/munged.pid 2>/dev/null)"
  others=""
  for p in /proc/[0-9]*; do
    case "$(cat "$p/comm" 2>/dev/null)" in
      slurmctld|slurmd) alive "${p#/proc/}" && others="$others ${p#/proc/}" ;;
    esac
  done
  if [ -n "$others" ]; then
    log "leaving munged running: other Slurm daemons (PIDs$others) still use it"
  elif [ -n "$mpid" ] && [ "$(cat "/proc/$mpid/comm" 2>/dev/null)" = munged ] && alive "$mpid"; then
    stop_pid "$mpid" munged
  fi
  rm -f "$dir/munged.started"
fi
exit 0
