import multiprocessing
import sys

from evidence_kit.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
