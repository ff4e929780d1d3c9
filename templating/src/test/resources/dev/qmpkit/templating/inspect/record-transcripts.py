#!/usr/bin/env python3
"""Records the QMP replies ReadinessChecker reads, from real QEMU, for configurations the
Java launcher cannot build: multi-process QEMU needs a socketpair inherited by two QEMUs.
Output: one JSON file per VM: [{"execute": ..., "arguments": ..., "reply": {...}}, ...].
Usage: record-transcripts.py OUTDIR QEMU72_DIR   (re-run when the checker asks for more).
The multi-process main QEMU is 7.2: QEMU 10.0.2's x-pci-proxy-dev crashes (SIGSEGV) at start-up
here, with or without -S, a file or memfd backend (measured)."""
import json, os, socket, subprocess, sys, tempfile, time

OUT = sys.argv[1]
QEMU = ["qemu-system-x86_64"]
Q72 = sys.argv[2]
QEMU72 = [Q72 + "/usr/bin/qemu-system-x86_64", "-L", Q72 + "/usr/share/qemu", "-L", Q72 + "/usr/share/seabios"]
BACKEND_PROPS = ["size", "mem-path", "share", "readonly", "rom", "prealloc", "discard-data"]
CONTAINERS = ["/machine/peripheral", "/machine/peripheral-anon", "/machine/unattached"]
DISCARDING = ["virtio-balloon-device", "virtio-mem"]
PROXIES = ["virtio-pci", "virtio-ccw-device"]


class Monitor:
    def __init__(self, args, pass_fds=(), qemu=None):
        self.dir = tempfile.mkdtemp(prefix="qmpkit-rec-")
        path = os.path.join(self.dir, "qmp.sock")
        self.proc = subprocess.Popen((qemu or QEMU) + args + ["-qmp", "unix:%s,server=on,wait=off" % path,
                                                      "-display", "none"], pass_fds=pass_fds)
        for _ in range(200):
            if os.path.exists(path):
                break
            time.sleep(0.02)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
        self.greeting = self.read()
        self.transcript = []
        self.call("qmp_capabilities", record=False)

    def read(self):
        while True:
            msg = json.loads(self.file.readline())
            if "event" not in msg:
                return msg

    def call(self, execute, arguments=None, record=True):
        req = {"execute": execute}
        if arguments is not None:
            req["arguments"] = arguments
        self.file.write(json.dumps(req) + "\n")
        self.file.flush()
        reply = self.read()
        if record:
            self.transcript.append({"execute": execute, "arguments": arguments, "reply": reply})
        return reply

    def record_readiness(self):
        """Everything ReadinessChecker.check(client, role, features) asks, except query-cpus-fast:
        its thread ids would name unrelated processes when replayed, so the checker's command-line
        reading sees the error a replay gives and falls back to QMP alone."""
        for c in CONTAINERS:
            self.call("qom-list", {"path": c})
        objects = self.call("qom-list", {"path": "/objects"}).get("return", [])
        self.call("qom-get", {"path": "/machine", "property": "type"})
        self.call("qom-get", {"path": "/machine", "property": "memory-backend"})
        self.call("query-machines")
        for hmp in ["info network", "info ramblock"]:
            self.call("human-monitor-command", {"command-line": hmp})
        for q in ["query-balloon", "query-vm-generation-id", "query-uuid", "query-memory-devices",
                  "query-migrate-capabilities", "query-memory-size-summary"]:
            self.call(q)
        for o in objects:
            if o["type"].startswith("child<memory-backend"):
                path = "/objects/" + o["name"]
                present = {p["name"] for p in self.call("qom-list", {"path": path})["return"]}
                for prop in BACKEND_PROPS:
                    if prop in present:
                        self.call("qom-get", {"path": path, "property": prop})
        types = {}
        for t in DISCARDING + PROXIES:
            reply = self.call("qom-list-types", {"implements": t})
            types[t] = {x["name"] for x in reply.get("return", [])}
        proxies = set().union(*(types[t] for t in PROXIES))
        for c in CONTAINERS:
            for d in self.call("qom-list", {"path": c}, record=False).get("return", []):
                if not d["type"].startswith("child<"):
                    continue
                path, kind = c + "/" + d["name"], d["type"][len("child<"):-1]
                if kind in proxies:
                    backend = path + "/virtio-backend"
                    kind = self.call("qom-get", {"path": backend, "property": "type"}).get("return")
                    path = backend
                if kind in types["virtio-balloon-device"]:
                    self.call("qom-get", {"path": path, "property": "free-page-reporting"})
                elif kind in types["virtio-mem"]:
                    for prop in ["memdev", "requested-size", "size"]:
                        self.call("qom-get", {"path": path, "property": prop})

    def save(self, name):
        with open(os.path.join(OUT, name), "w") as f:
            json.dump({"greeting": self.greeting, "transcript": self.transcript}, f, indent=1)
            f.write("\n")

    def close(self):
        self.call("quit", record=False)
        self.proc.wait(10)


def main():
    base = ["-accel", "tcg", "-m", "128M", "-S", "-nodefaults"]
    with tempfile.TemporaryDirectory() as tmp:
        ram = ["-object", "memory-backend-file,id=pc.ram,size=128M,mem-path=%s/ram,share=on" % tmp,
               "-machine", "memory-backend=pc.ram", "-device", "vmgenid"]
        # Multi-process QEMU as docs/system/multi-process.rst sets it up: a remote process that
        # emulates an LSI SCSI controller, and the main QEMU with a proxy device for it.
        main_end, remote_end = socket.socketpair()
        remote = Monitor(["-M", "x-remote"] + base + ["-device", "lsi53c895a,id=lsi1",
                         "-object", "x-remote-object,id=robj1,devid=lsi1,fd=%d" % remote_end.fileno()],
                         pass_fds=[remote_end.fileno()])
        main_vm = Monitor(["-M", "pc"] + base + ram + ["-device", "x-pci-proxy-dev,id=lsi1,fd=%d" % main_end.fileno()],
                          pass_fds=[main_end.fileno()], qemu=QEMU72)
        main_vm.record_readiness()
        main_vm.save("multiprocess-main-7.2.json")
        remote.record_readiness()
        remote.save("multiprocess-remote-10.0.json")
        main_vm.close()
        remote.proc.kill()
        remote.proc.wait(10)
        # A template-ready VM with a balloon; the test edits what only a running guest driver could change.
        balloon = Monitor(["-M", "q35"] + base + ram + ["-device", "virtio-balloon-pci,id=balloon0"])
        balloon.record_readiness()
        balloon.save("balloon-template-10.0.json")
        balloon.close()


main()
