"""Run the red-property CLI with WeasyPrint subsetting fonts through fontTools, as on a
machine without Debian's libharfbuzz-subset0 (the benchmark's workers for that path).

    python -m benchmarks.fonttools_path worker --no-scheduler
"""
import sys

import weasyprint.pdf.fonts
import weasyprint.text.ffi


def force_fonttools() -> None:
    """What WeasyPrint does when libharfbuzz-subset0 cannot be loaded: subset with fontTools."""
    weasyprint.pdf.fonts.harfbuzz_subset = None
    weasyprint.text.ffi.harfbuzz_subset = None


if __name__ == "__main__":
    force_fonttools()
    from red_property.cli import main

    sys.argv[0] = "red-property"
    main()
