#!/usr/bin/env python3
"""Writes the hwloc XML topologies the tests load, from machine descriptions in this file.

The fixtures are collbench's own: every object, bus number and identifier comes from the tables
below, so the tests need nothing outside the repository. The files are checked in; run this again
after changing a table (tests/topology's fixtures_are_current test fails when they differ):

  hgx8-ib8.xml       two sockets (two NUMA domains), 8 H100 behind two levels of PCIe switches
                     (two GPUs and two NICs per leaf switch), 8 InfiniBand NDR NICs, 4 NVSwitches
  hgx8-ib8-x8.xml    the same with GPU 2 and NIC 3 trained at x8 instead of x16 (degraded links)
  hgx8-ib8-7gpu.xml  the same with GPU 7 missing: the odd host of a fleet
  nvl72-tray.xml     an NVL72-style compute tray: two Grace CPUs (two NUMA domains), four GB200
                     GPUs and four InfiniBand NICs, each on its own root port (NVLink leaves the
                     tray, so no NVSwitch is on its PCIe tree)

Usage: gen_hwloc_fixtures.py OUTDIR
"""
import hashlib
import os
import sys
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

# PCIe bandwidth per direction in GB/s as hwloc writes it: lanes x per-lane rate after encoding.
GEN5_X16 = 63.015385
GEN5_X8 = 31.507692

# Vendor and device IDs (PCI ID database values) and hwloc's "class [vendor:device]
# [subvendor:subdevice] revision" form.
H100_SXM = "0302 [10de:2330] [10de:16c1] a1"
GB200_GPU = "0302 [10de:2941] [10de:2046] a1"
NVSWITCH = "0680 [10de:22a3] [10de:1796] a1"
CONNECTX7 = "0207 [15b3:1021] [15b3:0041] 00"
ROOT_PORT = "0604 [8086:352a] [8086:0000] 04"
GRACE_ROOT_PORT = "0604 [10de:22b2] [10de:0000] 01"
SWITCH_PORT = "0604 [1000:c030] [1000:a064] b0"

OSDEV_GPU, OSDEV_NETWORK, OSDEV_OPENFABRICS = 1, 2, 3


@dataclass
class Pci:
    """A PCI function; a bridge when it has children (a switch port or a root port)."""
    pci_type: str
    link: float = GEN5_X16
    children: list = field(default_factory=list)
    osdevs: list = field(default_factory=list)  # (name, osdev_type, [(info, value)])
    bus: int = 0
    dev: int = 0


def gpu(model, pci_type, host, index, link=GEN5_X16):
    uuid = hashlib.sha1(f"{host}/gpu{index}".encode()).hexdigest()
    uuid = f"GPU-{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
    infos = [("GPUVendor", "NVIDIA Corporation"), ("GPUModel", model), ("NVIDIAUUID", uuid)]
    return Pci(pci_type, link, osdevs=[(f"nvml{index}", OSDEV_GPU, infos)])


def nic(index, link=GEN5_X16):
    port = [("Port1State", "4"), ("Port1LinkLayer", "InfiniBand"), ("Port1Rate", "400")]
    return Pci(CONNECTX7, link, osdevs=[(f"mlx5_{index}", OSDEV_OPENFABRICS, port),
                                        (f"ibp{index}s0", OSDEV_NETWORK, [])])


def port(*children, pci_type=SWITCH_PORT):
    return Pci(pci_type, children=list(children))


def switch(*endpoints):
    """A PCIe switch: its upstream port and one downstream port per endpoint."""
    return port(*[port(e) for e in endpoints])


@dataclass
class Socket:
    cpu_model: str
    cores: int
    threads: int
    memory: int
    root_ports: list  # one host bridge per entry, each a list of devices behind a root port
    first_bus: int


@dataclass
class Machine:
    host: str
    product: str
    sockets: list


def hgx8(variant):
    """8 GPUs, 8 NICs: per socket a root port, a top switch and two leaf switches of two GPUs and
    two NICs each; the NVSwitches behind their own root port on socket 0."""
    host = f"hgx-{variant}"
    gpus = [gpu("NVIDIA H100 80GB HBM3", H100_SXM, host, i,
                GEN5_X8 if variant == "x8" and i == 2 else GEN5_X16) for i in range(8)]
    nics = [nic(i, GEN5_X8 if variant == "x8" and i == 3 else GEN5_X16) for i in range(8)]
    if variant == "7gpu":
        gpus[7] = None

    def leaf(a, b):
        return switch(*[d for d in (gpus[a], nics[a], gpus[b], nics[b]) if d is not None])

    def socket(first, bus):
        top_switch = port(port(leaf(first, first + 1)), port(leaf(first + 2, first + 3)))
        roots = [[port(top_switch, pci_type=ROOT_PORT)]]
        if first == 0:
            roots.append([port(switch(*[Pci(NVSWITCH) for _ in range(4)]), pci_type=ROOT_PORT)])
        return Socket("Intel(R) Xeon(R) Platinum 8480+", 16, 2, 1 << 40, roots, bus)

    return Machine(host, "HGX H100 8-GPU", [socket(0, 0x18), socket(4, 0x97)])


def nvl72_tray():
    host = "nvl72-tray"
    gpus = [gpu("NVIDIA GB200", GB200_GPU, host, i) for i in range(4)]
    nics = [nic(i) for i in range(4)]

    def socket(first, bus):
        roots = [[port(gpus[i], pci_type=GRACE_ROOT_PORT)] for i in (first, first + 1)]
        roots += [[port(nics[i], pci_type=GRACE_ROOT_PORT)] for i in (first, first + 1)]
        return Socket("Neoverse-V2", 72, 1, 480 << 30, roots, bus)

    return Machine(host, "GB200 NVL72 compute tray", [socket(0, 0x00), socket(2, 0x80)])


FIXTURES = [
    ("hgx8-ib8.xml", lambda: hgx8("base")),
    ("hgx8-ib8-x8.xml", lambda: hgx8("x8")),
    ("hgx8-ib8-7gpu.xml", lambda: hgx8("7gpu")),
    ("nvl72-tray.xml", nvl72_tray),
]


def bitmap(bits):
    """hwloc's bitmap text: 32-bit hex words, most significant first, separated by commas."""
    value = sum(1 << b for b in bits)
    words = []
    while True:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
        if not value:
            break
    return ",".join("0x%08x" % w for w in reversed(words))


class Writer:
    def __init__(self):
        self.lines = []
        self.gp_index = 0

    def next_index(self):
        self.gp_index += 1
        return self.gp_index

    def open(self, depth, attrs, empty=False):
        text = " ".join(f"{k}={quoteattr(str(v))}" for k, v in attrs)
        self.lines.append("  " * depth + f"<object {text}" + (" />" if empty else ">"))

    def close(self, depth):
        self.lines.append("  " * depth + "</object>")

    def info(self, depth, name, value):
        self.lines.append("  " * depth + f"<info name={quoteattr(name)} value={quoteattr(value)} />")


def number_buses(device, bus, dev, next_bus):
    """Places `device` at bus:dev.0; a bridge gets the next free bus for its children. Returns the
    next free bus."""
    device.bus, device.dev = bus, dev
    if device.children:
        secondary = next_bus
        next_bus += 1
        for i, child in enumerate(device.children):
            next_bus = number_buses(child, secondary, i, next_bus)
    return next_bus


def subordinate(device):
    return max([device.bus] + [subordinate(c) for c in device.children])


def busid(bus, dev):
    return "0000:%02x:%02x.0" % (bus, dev)


def write_pci(w, device, depth, bridge_depth):
    attrs = [("gp_index", w.next_index())]
    if device.children:
        secondary = device.children[0].bus
        attrs = [("type", "Bridge")] + attrs + [
            ("bridge_type", "1-1"), ("depth", bridge_depth),
            ("bridge_pci", "0000:[%02x-%02x]" % (secondary, subordinate(device)))]
    else:
        attrs = [("type", "PCIDev")] + attrs
    attrs += [("pci_busid", busid(device.bus, device.dev)), ("pci_type", device.pci_type),
              ("pci_link_speed", "%.6f" % device.link)]
    w.open(depth, attrs)
    for child in device.children:
        write_pci(w, child, depth + 1, bridge_depth + 1)
    for name, kind, infos in device.osdevs:
        w.open(depth + 1, [("type", "OSDev"), ("gp_index", w.next_index()), ("name", name),
                           ("osdev_type", kind)], empty=not infos)
        for key, value in infos:
            w.info(depth + 2, key, value)
        if infos:
            w.close(depth + 1)
    w.close(depth)


def write_machine(machine):
    w = Writer()
    pus_per_socket = [s.cores * s.threads for s in machine.sockets]
    all_pus = range(sum(pus_per_socket))
    nodes = range(len(machine.sockets))
    sets = lambda pus, numa: [("cpuset", bitmap(pus)), ("complete_cpuset", bitmap(pus)),
                              ("nodeset", bitmap(numa)), ("complete_nodeset", bitmap(numa))]
    w.lines.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    w.lines.append("<topology version=\"2.0\">")
    w.open(1, [("type", "Machine"), ("os_index", 0)] + sets(all_pus, nodes) +
           [("allowed_cpuset", bitmap(all_pus)), ("allowed_nodeset", bitmap(nodes)),
            ("gp_index", w.next_index())])
    w.info(2, "DMIProductName", machine.product)
    w.info(2, "HostName", machine.host)
    w.info(2, "Backend", "Linux")
    w.info(2, "Generator", "collbench tests/topology/gen_hwloc_fixtures.py")
    first_pu = 0
    for s_index, socket in enumerate(machine.sockets):
        pus = range(first_pu, first_pu + socket.cores * socket.threads)
        w.open(2, [("type", "Package"), ("os_index", s_index)] + sets(pus, [s_index]) +
               [("gp_index", w.next_index())])
        w.info(3, "CPUModel", socket.cpu_model)
        w.open(3, [("type", "NUMANode"), ("os_index", s_index)] + sets(pus, [s_index]) +
               [("gp_index", w.next_index()), ("local_memory", socket.memory)], empty=True)
        for core in range(socket.cores):
            core_pus = [first_pu + core * socket.threads + t for t in range(socket.threads)]
            w.open(3, [("type", "Core"), ("os_index", s_index * socket.cores + core)] +
                   sets(core_pus, [s_index]) + [("gp_index", w.next_index())])
            for pu in core_pus:
                w.open(4, [("type", "PU"), ("os_index", pu)] + sets([pu], [s_index]) +
                       [("gp_index", w.next_index())], empty=True)
            w.close(3)
        bus = socket.first_bus
        for devices in socket.root_ports:
            host_bus = bus
            next_bus = host_bus + 1
            for i, device in enumerate(devices):
                next_bus = number_buses(device, host_bus, i + 1, next_bus)
            last = max(subordinate(d) for d in devices)
            w.open(3, [("type", "Bridge"), ("gp_index", w.next_index()), ("bridge_type", "0-1"),
                       ("depth", 0), ("bridge_pci", "0000:[%02x-%02x]" % (host_bus, last))])
            for device in devices:
                write_pci(w, device, 4, 1)
            w.close(3)
            bus = last + 1
        w.close(2)
        first_pu = pus.stop
    w.close(1)
    w.lines.append("</topology>")
    return "\n".join(w.lines) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_hwloc_fixtures.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, make in FIXTURES:
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(write_machine(make()))


if __name__ == "__main__":
    main()
