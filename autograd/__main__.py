"""``python -m autograd render "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg``."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
