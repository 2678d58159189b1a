"""A one-host Slurm cluster for tests: munged, slurmctld and slurmd from Debian, started in a
temporary directory on 127.0.0.1 ports, the node declared with this machine's CPUs, and stopped
(process groups killed, the directory removed) on exit, even when the test fails; read logs()
before that to see what went wrong.

    with SlurmCluster() as cluster:
        subprocess.run(["srun", ...], env=cluster.env)
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

NODE = "cbnode1"
DAEMONS = ("munged", "slurmctld", "slurmd")


class Unavailable(Exception):
    """A package is missing: the test skips."""


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def find(program):
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        path = os.path.join(folder, program)
        if os.access(path, os.X_OK):
            return path
    path = shutil.which(program)
    if not path:
        raise Unavailable(f"{program} not found (apt-get install munge slurmctld slurmd slurm-client)")
    return path


class SlurmCluster:
    def __init__(self, start_timeout=60):
        self.dir = None
        self.start_timeout = start_timeout
        self.procs = []
        self.env = None

    def __enter__(self):
        programs = {p: find(p) for p in DAEMONS + ("srun", "sbatch", "sinfo")}
        if os.geteuid() != 0:
            raise Unavailable("slurmd must run as root to launch job steps")
        # A short path under /tmp: munge's and slurmstepd's Unix sockets live here, and a socket
        # path must stay under 108 bytes whatever the build directory is.
        self.dir = tempfile.mkdtemp(prefix="cb-slurm-")
        for sub in ("state", "spool", "munge"):
            os.makedirs(os.path.join(self.dir, sub))
        os.chmod(os.path.join(self.dir, "munge"), 0o711)  # the socket must be reachable
        key = os.path.join(self.dir, "munge", "munge.key")
        with open(key, "wb") as handle:
            handle.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self.munge_socket = os.path.join(self.dir, "munge", "munge.socket")
        ctld_port, slurmd_port = free_ports(2)
        conf = os.path.join(self.dir, "slurm.conf")
        cpus = os.cpu_count() or 1
        lines = [
            "ClusterName=collbench-test",
            # slurmctld only runs on the host it is configured for: this one, on loopback.
            f"SlurmctldHost={socket.gethostname().split('.')[0]}(127.0.0.1)",
            "MailProg=/bin/true",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={self.dir}/state",
            f"SlurmdSpoolDir={self.dir}/spool",
            f"SlurmctldPidFile={self.dir}/slurmctld.pid",
            f"SlurmdPidFile={self.dir}/slurmd.pid",
            f"SlurmctldLogFile={self.dir}/slurmctld.log",
            f"SlurmdLogFile={self.dir}/slurmd.log",
            # task/affinity: --cpu-bind works as on a real cluster, without cgroups.
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/affinity",
            "MpiDefault=none", "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
            "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
            "ReturnToService=2", "SlurmdTimeout=60", "InactiveLimit=0", "KillWait=5",
            "MinJobAge=300", "SlurmdParameters=config_overrides",
            # The node as this machine is: its CPUs, reached on loopback only.
            f"NodeName={NODE} NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 "
            f"CPUs={cpus} State=UNKNOWN",
            f"PartitionName=test Nodes={NODE} Default=YES MaxTime=30 State=UP OverSubscribe=YES",
        ]
        with open(conf, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        self.env = dict(os.environ, SLURM_CONF=conf)
        for key_name in [k for k in self.env if k.startswith("SLURM_") and k != "SLURM_CONF"]:
            del self.env[key_name]  # this test may itself run inside a job
        try:
            self._start([programs["munged"], "-F", "--force", f"--key-file={key}",
                         f"--socket={self.munge_socket}",
                         f"--pid-file={self.dir}/munge/munged.pid",
                         f"--log-file={self.dir}/munge/munged.log",
                         f"--seed-file={self.dir}/munge/munged.seed"], "munged")
            self._wait(lambda: os.path.exists(self.munge_socket), "munged's socket")
            self._start([programs["slurmctld"], "-D", "-i", "-f", conf], "slurmctld")
            self._start([programs["slurmd"], "-D", "-N", NODE, "-f", conf], "slurmd")
            self._wait(self._node_idle, f"node {NODE} idle in sinfo")
        except RuntimeError as error:
            logs = self.logs()  # before the directory goes
            self.__exit__(None, None, None)
            raise RuntimeError(f"{error}\n{logs}") from error
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self, argv, name):
        log = open(os.path.join(self.dir, name + ".out"), "w", encoding="utf-8")
        self.procs.append((name, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                                  env=self.env, start_new_session=True), log))

    def _node_idle(self):
        proc = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env,
                              capture_output=True, text=True, timeout=20)
        return proc.returncode == 0 and proc.stdout.strip() in ("idle", "mixed")

    def _wait(self, ready, what):
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            for name, proc, _ in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for "
                                       f"{what}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting for {what}")

    def logs(self):
        text = ""
        if not self.dir:
            return text
        for name in ("slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out", "munged.out",
                     "munge/munged.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                text += f"--- {name}\n" + open(path, errors="replace").read()[-3000:]
        return text

    def __exit__(self, *exc):
        # Jobs first, so slurmd ends their steps (slurmstepd runs in sessions of its own), then
        # the daemons last-started first: slurmd, slurmctld, munged.
        if self.env and any(name == "slurmctld" and p.poll() is None for name, p, _ in self.procs):
            try:
                subprocess.run(["scancel", "--partition=test"], env=self.env, timeout=10,
                               capture_output=True)
                deadline = time.time() + 15
                while time.time() < deadline:
                    queue = subprocess.run(["squeue", "-h"], env=self.env, timeout=10,
                                           capture_output=True, text=True)
                    if queue.returncode != 0 or not queue.stdout.strip():
                        break
                    time.sleep(0.5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for name, proc, log in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
            log.close()
        self.procs = []
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        return False
