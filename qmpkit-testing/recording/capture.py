import json, subprocess, sys, os, tempfile
ver, exe = sys.argv[1], sys.argv[2]
fw = sys.argv[3:]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "resources", "dev", "qmpkit", "testing", "qemu-" + ver)
os.makedirs(out, exist_ok=True)
tmp = tempfile.mkdtemp()
memf = os.path.join(tmp, "mem")
cmd = [exe] + fw + ["-M","q35","-accel","tcg","-m","64,slots=2,maxmem=256M","-S","-display","none","-nodefaults",
  "-object","memory-backend-ram,id=ram0,size=64M","-machine","memory-backend=ram0",
  "-object","memory-backend-file,id=mf,size=4M,mem-path="+memf+",share=on",
  "-device","pc-dimm,id=dimm0,memdev=mf","-device","vmgenid,guid=5c3ea6e4-59a7-4a07-b2b8-9f1e3d8e6f11",
  "-device","virtio-balloon-pci,id=balloon0",
  "-qmp","stdio"]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def read():
    while True:
        line = p.stdout.readline()
        if not line: raise SystemExit("eof")
        m = json.loads(line)
        if "event" in m: continue
        return m
greet = read()
json.dump(greet, open(f"{out}/greeting.json","w"), indent=1)
recorded = []
def ex(name, args=None, fname=None):
    msg = {"execute": name}
    if args is not None: msg["arguments"]=args
    p.stdin.write(json.dumps(msg)+"\n"); p.stdin.flush()
    r = read()
    rec = {"execute": name, "arguments": args, "reply": r}
    json.dump(rec, open(f"{out}/{fname or name}.json","w"), indent=1)
    recorded.append(fname or name)
    return r
ex("qmp_capabilities")
ex("query-version"); ex("query-status")
ex("query-migrate")
ex("query-migrate-capabilities")
ex("query-migrate-parameters")
ex("query-memdev")
ex("query-memory-devices")
ex("query-balloon")
ex("query-vm-generation-id")
ex("qom-list", {"path":"/machine"})
ex("qom-get", {"path":"/machine","property":"type"})
ex("qom-list-properties", {"typename":"memory-backend-file"})
ex("human-monitor-command", {"command-line":"info version"})
ex("query-fdsets")
ex("device_del", {"id":"nope"}, "device_del-error")
ex("query-commands")
r = ex("query-qmp-schema")
ex("netdev_add", {"type":"user","id":"n0"})
ex("query-status", None, "query-status-after")
ex("migrate-set-capabilities", {"capabilities":[{"capability":"x-ignore-shared","state":True}]})
ex("stop")
ex("migrate", {"uri":"exec:cat > /dev/null"})
import time
for i in range(100):
    r = ex("query-migrate", None, "query-migrate-completed")
    if r["return"].get("status") in ("completed","failed"): break
    time.sleep(0.05)
ex("query-status", None, "query-status-postmigrate")
ex("quit")
p.wait()
# The recordings in the order they were made (a jar cannot list its resources).
json.dump(recorded, open(f"{out}/index.json","w"), indent=1)
