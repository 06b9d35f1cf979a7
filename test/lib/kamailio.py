"""kamailio.py - Debian's Kamailio with our contrib/kamailio/kamailio.cfg
in the foreground, as the edge in front of Switchboard nodes (suites edge
and cluster).

    edge = Edge([node_a_port, node_b_port])   # dispatcher set 1, in order
    node = Switchboard(extra_args=["--edge", f"127.0.0.1:{edge.port}", ...])
    edge.start(); edge.wait_nodes(2)          # both probed and active
    ...
    edge.stop()

The #!substdef lines of the configuration are rewritten (EDGE_IP,
EDGE_PORT, NODES_LIST); the dispatcher list is written here.  ctl is not
loaded: the state of the destinations is read from the log (the
configuration logs every change of a node's state).
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from ports import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFG = os.path.join(ROOT, "contrib", "kamailio", "kamailio.cfg")
EDGE_IP = "127.0.0.1"


class Edge:
    """Debian's kamailio with our configuration, in the foreground."""

    def __init__(self, node_ports, ip=EDGE_IP):
        self.dir = tempfile.mkdtemp(prefix="sbedge-")
        self.ip = ip
        self.port = free_port()
        self.node_ports = list(node_ports)
        nodes = os.path.join(self.dir, "nodes.list")
        with open(nodes, "w") as f:
            for p in self.node_ports:
                f.write(f"1 sip:127.0.0.1:{p}\n")
        # SB_KAMAILIO_CFG: another configuration to try (experiments)
        with open(os.environ.get("SB_KAMAILIO_CFG") or CFG) as f:
            cfg = f.read()
        for name, val in (("EDGE_IP", ip), ("EDGE_PORT", str(self.port)),
                          ("NODES_LIST", nodes)):
            cfg, n = re.subn(rf'(?m)^#!substdef "!{name}!.*$',
                             f'#!substdef "!{name}!{val}!g"', cfg)
            assert n == 1, name
        self.cfg = os.path.join(self.dir, "kamailio.cfg")
        with open(self.cfg, "w") as f:
            f.write(cfg)
        self.log = open(os.path.join(self.dir, "kamailio.log"), "w")
        self.proc = None

    @property
    def addr(self):
        return (self.ip, self.port)

    def start(self):
        run = os.path.join(self.dir, "run")
        os.mkdir(run)
        self.proc = subprocess.Popen(
            ["kamailio", "-DD", "-E", "-f", self.cfg, "-Y", run,
             "-P", os.path.join(run, "kamailio.pid"), "-w", self.dir],
            stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def logtext(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        if not os.environ.get("SB_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("kept", self.dir, flush=True)

    def wait_log(self, pattern, timeout=10, since=0):
        """The first match of pattern in the log after offset since, or
        None after timeout."""
        deadline = time.time() + timeout
        while True:
            m = re.search(pattern, self.logtext()[since:])
            if m or time.time() > deadline:
                return m
            time.sleep(0.1)
