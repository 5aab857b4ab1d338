"""The table of bench/run_quality.sh: one row per run (iterations reached, SWD against the
real-vs-real floor, MS-SSIM, nearest-image distances), then each configuration's mean over
its seeds and its ratio to the first configuration's mean.

Usage: table.py RUNS_DIR SEED|NAME|FLAGS ...
"""
import json
import os
import statistics
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    runs, jobs = sys.argv[1], sys.argv[2:]
    rows, by_config, order = [], {}, []
    for job in jobs:
        seed, name, flags = (job.split("|", 2) + ["", ""])[:3]
        run = os.path.join(runs, f"{name}-s{seed}")
        summary, report = load(os.path.join(run, "summary.json")), load(os.path.join(run, "eval.json"))
        if name not in by_config:
            by_config[name] = []
            order.append(name)
        if summary is None or report is None:
            rows.append(f"{name:<10} {seed:>4}  (no result: see {run}.log / eval.txt)")
            continue
        swd = report["swd_x1e3"]
        fake, floor = swd["fake_vs_real"], swd["real_vs_real"]
        levels = " ".join(f"{fake['levels'][str(r)]:7.2f}" for r in swd["resolutions"])
        near = report["nearest"]
        by_config[name].append((fake["avg"], report["ms_ssim"]["fake"], summary["steps"]))
        rows.append(
            f"{name:<10} {seed:>4} {summary['steps']:>6} {summary['time_s']:>7.0f} "
            f"{fake['avg']:>8.2f} {levels} {floor['avg']:>7.2f} "
            f"{report['ms_ssim']['fake']:>7.4f} {report['ms_ssim']['real']:>7.4f} "
            f"{near['fake_to_real_mse']['min']:>8.5f} {near['fake_to_real_mse']['median']:>8.5f} "
            f"{near['real_to_real_mse']['min']:>8.5f} {near['real_to_real_mse']['median']:>8.5f}"
        )
    levels = ""
    for name in order:
        for job in jobs:
            seed, n = job.split("|", 2)[:2]
            report = load(os.path.join(runs, f"{n}-s{seed}", "eval.json"))
            if report:
                levels = " ".join(f"{'swd' + str(r):>7}" for r in report["swd_x1e3"]["resolutions"])
                break
        if levels:
            break
    print(f"{'config':<10} {'seed':>4} {'iters':>6} {'train_s':>7} {'swd_avg':>8} {levels} "
          f"{'floor':>7} {'msssim':>7} {'real':>7} {'nn_min':>8} {'nn_med':>8} "
          f"{'rr_min':>8} {'rr_med':>8}")
    for row in rows:
        print(row)
    print()
    print("SWD x1e3 averaged over levels; floor = real vs real; msssim = MS-SSIM of generated pairs "
          "(real: of real pairs; lower = more diverse); nn = generated -> nearest real pixel MSE, "
          "rr = real -> nearest other real (generated far below rr would be copies)")
    print()
    base = by_config.get(order[0]) if order else None
    base_mean = statistics.mean(r[0] for r in base) if base else None
    print(f"{'config':<10} {'seeds':>5} {'swd_mean':>9} {'swd_min':>8} {'swd_max':>8} "
          f"{'msssim':>7} {'iters':>6} {'vs ' + order[0] if order else '':>12}")
    for name in order:
        results = by_config[name]
        if not results:
            continue
        mean = statistics.mean(r[0] for r in results)
        ratio = f"{mean / base_mean:.3f}x" if base_mean else ""
        print(f"{name:<10} {len(results):>5} {mean:>9.2f} {min(r[0] for r in results):>8.2f} "
              f"{max(r[0] for r in results):>8.2f} {statistics.mean(r[1] for r in results):>7.4f} "
              f"{statistics.mean(r[2] for r in results):>6.0f} {ratio:>12}")


if __name__ == "__main__":
    main()
