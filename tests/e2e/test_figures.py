"""Figures for the closing note (not assertions on time): cold start to an interactive search
box, and the memory of the app with a chart open (the app and its WebKit processes, PSS)."""
import os
import time
from pathlib import Path

from selenium.webdriver.common.options import ArgOptions

from conftest import OUT, new_session
from test_desktop import login, open_first_listed_patient, wait


def tree_pss_kib(root_name="meridian-desktop"):
    """Proportional set size of the desktop process and every process below it."""
    procs = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            procs[int(p.name)] = (name, ppid)
        except (OSError, ValueError):
            continue
    roots = [pid for pid, (name, _) in procs.items() if name.startswith(root_name[:15])]
    family = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, (_, ppid) in procs.items():
            if ppid in family and pid not in family:
                family.add(pid)
                changed = True
    total = 0
    parts = []
    detail = []
    for pid in family:
        detail.append(f"{procs[pid][0]} (pid {pid}): {', '.join(f'{name} {kib // 1024}' for name, kib in by_mapping(pid)[:14])}")
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kib = int(line.split()[1])
                    total += kib
                    parts.append(f"{procs[pid][0]} {kib // 1024} MiB")
        except OSError:
            pass
    return total, len(family), parts, detail


def by_mapping(pid):
    """A process's PSS in KiB per mapping (library name, or the kind of anonymous memory), largest first."""
    sizes = {}
    name = "?"
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        head = line.split()
        if not head:
            continue
        if "-" in head[0] and ":" not in head[0]:
            name = os.path.basename(head[5]) if len(head) > 5 else "[anon]"
        elif head[0] == "Pss:":
            sizes[name] = sizes.get(name, 0) + int(head[1])
    return sorted(sizes.items(), key=lambda kv: -kv[1])


def test_cold_start_and_memory(driver_server, demo):
    _, accounts = demo
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": os.environ["MERIDIAN_DESKTOP"]})
    t0 = time.monotonic()
    driver = new_session(driver_server, options)
    try:
        wait(driver, "#username", timeout=60)
        t_login_form = time.monotonic() - t0
        t1 = time.monotonic()
        login(driver, accounts, "nurse.kim")
        wait(driver, "#search")
        t_search = time.monotonic() - t1
        open_first_listed_patient(driver)
        time.sleep(float(os.environ.get("IDLE", "3")))
        pss, nprocs, parts, detail = tree_pss_kib()
        line = (
            f"cold start to login form: {t_login_form:.2f} s; login to interactive search box: {t_search:.2f} s; "
            f"memory with a chart open: {pss / 1024:.0f} MiB PSS over {nprocs} processes ({', '.join(sorted(parts))})"
        )
        print(line)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "figures.txt").write_text(line + "\n")
        (OUT / "memory.txt").write_text("PSS in MiB by mapping, largest first\n" + "\n".join(detail) + "\n")
        assert pss > 0
    finally:
        driver.quit()
