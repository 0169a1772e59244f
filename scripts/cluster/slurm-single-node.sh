#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine (docs/cluster.md, ../shared/docs/environment.md): Debian's
# slurm-wlm 22.05 + munge, run as root. `start` writes a munge key and /etc/slurm/slurm.conf for this host and starts
# munged, slurmctld and slurmd; `stop` stops them by the PIDs in their pid files; `status` shows sinfo.
# Needs: apt-get install -y slurm-wlm munge (root).
set -euo pipefail

CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
RUN=/run/nwb-slurm
PIDS=(munged:/run/munge/munged.pid slurmctld:$RUN/slurmctld.pid slurmd:$RUN/slurmd.pid)

need() { command -v "$1" >/dev/null || { echo "missing $1: apt-get install -y slurm-wlm munge" >&2; exit 2; }; }

start() {
  [ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
  need munged; need slurmctld; need slurmd
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge "$RUN" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm "$(dirname "$CONF")"
  if [ ! -s /etc/munge/munge.key ]; then dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
  chmod 400 /etc/munge/munge.key
  chmod 700 /etc/munge
  if ! pgrep -F /run/munge/munged.pid >/dev/null 2>&1; then runuser -u munge -- munged --force; fi
  cat > "$CONF" <<CONF
# Written by scripts/cluster/slurm-single-node.sh: one node, one partition.
ClusterName=nwb
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  pgrep -F "$RUN/slurmctld.pid" >/dev/null 2>&1 || slurmctld
  pgrep -F "$RUN/slurmd.pid" >/dev/null 2>&1 || slurmd
  for _ in $(seq 1 30); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then sinfo; return 0; fi
    sleep 1
  done
  echo "the node did not become idle within 30 s:" >&2
  sinfo >&2 || true
  tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  exit 1
}

stop() {
  for entry in "${PIDS[@]}"; do
    local name=${entry%%:*} file=${entry#*:}
    local pid
    pid=$(cat "$file" 2>/dev/null || true)
    # Read once: a daemon removes its pid file as it exits.
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" && echo "stopped $name ($pid)"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) sinfo && squeue ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
