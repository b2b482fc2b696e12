#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests/workflows.rs (the Snakemake workflow
# run through workflows/snakemake/profiles/slurm). As root: writes /etc/slurm/slurm.conf for
# this host, starts munged, slurmctld and slurmd, and waits until the node is idle.
#   .ci/slurm-up.sh        start (or check) the cluster; exit 1 with the daemons' logs if it does not come up
#   .ci/slurm-up.sh down   stop the daemons
# No slurmdbd (no accounting database): job states come from squeue, so finished jobs are
# kept for MinJobAge seconds for the Snakemake plugin to see them.
set -euo pipefail

state=/var/lib/xpresso-slurm
log=/var/log/xpresso-slurm
if [ "${1:-up}" = down ]; then
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
  running() { pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || pgrep -x munged >/dev/null; }
  for _ in $(seq 1 20); do
    running || exit 0
    sleep 0.5
  done
  echo "slurm daemons still running after 10 s" >&2
  exit 1
fi

if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
  exit 0 # already up
fi

host=$(hostname -s)
cpus=$(nproc)
# leave the machine some memory; slurmd refuses a node that claims more than it has
mem_mb=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) * 9 / 10 ))
mkdir -p "$state/ctld" "$state/d" "$log" /etc/slurm /run/munge
cat > /etc/slurm/slurm.conf <<EOF
# written by xpresso's .ci/slurm-up.sh: one node, $host, controller and compute
ClusterName=xpresso-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
# no cgroups in a container: plain process tracking, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# finished jobs stay visible to squeue for an hour (the status source without slurmdbd)
MinJobAge=3600
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

chown munge:munge /run/munge
if ! pgrep -x munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged
fi
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
    echo "slurm: node $host idle ($cpus CPUs, $mem_mb MB)"
    exit 0
  fi
  # a node that came up DOWN (an earlier unclean stop) is resumed
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "slurm did not come up: sinfo says '$(sinfo -h -o %T 2>&1)'" >&2
tail -n 20 "$log/slurmctld.log" "$log/slurmd.log" >&2 || true
exit 1
