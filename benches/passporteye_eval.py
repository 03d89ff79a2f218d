"""PassportEye on a folder of MRZ images, for benches/passport_vs_passporteye.sh.

Per image: passporteye.read_mrz(path), timed with time.perf_counter() (wall) and
os.times() user+system of this process and its children (the tesseract it runs: CPU).
"All checks" = valid_number, valid_date_of_birth, valid_expiration_date and
valid_composite all true. Ground truth: the folder's ground_truth_full.json.
"""
import sys, time, json, glob, os
from passporteye import read_mrz
root = sys.argv[1]
gt = json.load(open(os.path.join(root, "ground_truth_full.json")))
files = sorted(glob.glob(root + "/**/*.jpg", recursive=True) + glob.glob(root + "/**/*.png", recursive=True))
times, cpus, perfect, gt_ok, gt_n = [], [], 0, 0, 0
for f in files:
    rel = os.path.relpath(f, root)
    t0, c0 = time.perf_counter(), sum(os.times()[:4])
    m = read_mrz(f)
    dt, dc = (time.perf_counter() - t0) * 1000, (sum(os.times()[:4]) - c0) * 1000
    times.append(dt); cpus.append(dc)
    d = m.to_dict() if m else None
    score = d["valid_score"] if d else 0
    allpass = bool(d) and all(d.get(k, True) for k in ("valid_number", "valid_date_of_birth", "valid_expiration_date", "valid_composite"))
    perfect += allpass
    t = gt.get(rel)
    if isinstance(t, str):
        t = gt.get(os.path.join(os.path.dirname(rel), t.replace("same as ", "")))
    ok = ""
    if t:
        gt_n += 1
        bad = [k for k in ("number", "country", "nationality", "sex", "date_of_birth", "expiration_date", "surname", "names", "mrz_type") if not d or str(d.get(k)).strip() != str(t[k]).strip()]
        ok = "exact" if not bad else "wrong " + ",".join(bad)
        gt_ok += not bad
    print(f"{rel:<45} {dt:7.0f} ms cpu {dc:7.0f} ms score {score:3} all_checks={allpass} {ok}")
times.sort(); cpus.sort()
print(f"all check digits pass {perfect}/{len(files)}; ground truth exact {gt_ok}/{gt_n}; wall p50 {times[len(times)//2]:.0f} ms; cpu p50 {cpus[len(cpus)//2]:.0f} ms")
