#!/usr/bin/env python3
"""Writes collbench's own topology fixtures from hwloc's DGX-2 test topology (a real machine with
GPUs behind two levels of PCIe switches, from ../shared/fixtures/hwloc):

  hgx8-ib8.xml        8 GPUs renamed H100, each with a 400 Gb/s InfiniBand NIC on its PCIe switch
  hgx8-ib8-x8.xml     the same with GPU 0000:39:00.0 and NIC mlx5_3 on a half-speed (x8) link
  hgx8-ib8-7gpu.xml   the same with one GPU missing: a heterogeneous host

Usage: make_fixtures.py DGX2.xml OUTDIR
"""
import copy
import os
import sys
import xml.etree.ElementTree as ET

SOURCE, OUT = sys.argv[1], sys.argv[2]
KEEP_BUSES = ["34", "36", "39", "3b", "b7", "b9", "bc", "be"]  # 4 GPUs per socket
GPU_MODEL = "NVIDIA H100 80GB HBM3"
HALF_SPEED = "7.876923"


def load():
    tree = ET.parse(SOURCE)
    return tree, tree.getroot()


def parents(root):
    return {child: parent for parent in root.iter() for child in parent}


def gpus(root):
    return [o for o in root.iter("object")
            if o.get("type") == "PCIDev" and o.get("pci_type", "").startswith("0302")]


def build(variant):
    tree, root = load()
    parent_of = parents(root)
    next_index = [100000]

    def fresh_index():
        next_index[0] += 1
        return str(next_index[0])

    nic = 0
    for gpu in gpus(root):
        bus = gpu.get("pci_busid").split(":")[1]
        gpu_bridge = parent_of[gpu]
        switch = parent_of[gpu_bridge]
        if bus not in KEEP_BUSES or (variant == "7gpu" and bus == "be"):
            switch.remove(gpu_bridge)
            continue
        for osdev in gpu.iter("object"):
            for info in osdev.findall("info"):
                if info.get("name") == "GPUModel":
                    info.set("value", GPU_MODEL)
        if variant == "x8" and bus == "39":
            gpu.set("pci_link_speed", HALF_SPEED)
        # A NIC on the next bus, behind its own downstream port of the same switch.
        nic_bus = "%02x" % (int(bus, 16) + 1)
        bridge = copy.deepcopy(gpu_bridge)
        bridge.set("gp_index", fresh_index())
        bridge.set("bridge_pci", "0000:[%s-%s]" % (nic_bus, nic_bus))
        bridge.set("pci_busid", gpu_bridge.get("pci_busid")[:-4] + "08.0")
        for child in list(bridge):
            bridge.remove(child)
        device = ET.SubElement(bridge, "object", {
            "type": "PCIDev", "gp_index": fresh_index(), "pci_busid": "0000:%s:00.0" % nic_bus,
            "pci_type": "0207 [15b3:101e] [15b3:0023] 00",
            "pci_link_speed": HALF_SPEED if (variant == "x8" and nic == 3) else "31.507692"})
        osdev = ET.SubElement(device, "object", {"type": "OSDev", "gp_index": fresh_index(),
                                                 "name": "mlx5_%d" % nic, "osdev_type": "3"})
        for name, value in [("Port1State", "4"), ("Port1LinkLayer", "InfiniBand"),
                            ("Port1Rate", "400")]:
            ET.SubElement(osdev, "info", {"name": name, "value": value})
        switch.append(bridge)
        nic += 1
    for info in root.iter("info"):
        if info.get("name") == "HostName":
            info.set("value", "hgx-" + variant)
    return tree


os.makedirs(OUT, exist_ok=True)
for variant, name in [("base", "hgx8-ib8.xml"), ("x8", "hgx8-ib8-x8.xml"),
                      ("7gpu", "hgx8-ib8-7gpu.xml")]:
    build(variant).write(os.path.join(OUT, name), encoding="UTF-8", xml_declaration=True)
print("written to", OUT)
