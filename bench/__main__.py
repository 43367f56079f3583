"""`python -m bench [--quick] [--backend sqlite|postgresql|all] [--strict]` (what `make bench` runs)."""

from __future__ import annotations

if __name__ == "__main__":
    from bench.log_latency import main

    raise SystemExit(main())
